namespace EngramBulkLoad.Records;

/// <summary>Stable reason codes for rejects, grouped in reports. Messages carry the details.</summary>
public static class RejectCodes
{
    /// <summary>The record has no key, or a key column is NULL.</summary>
    public const string MissingKey = "missing_key";

    /// <summary>The text the memory's content is built from is NULL or blank.</summary>
    public const string EmptyText = "empty_text";

    /// <summary>The content is larger than the configured limit.</summary>
    public const string TextTooLarge = "text_too_large";

    /// <summary>A field has a type the mapping cannot turn into text or metadata.</summary>
    public const string UnsupportedType = "unsupported_type";

    /// <summary>A line or document could not be parsed.</summary>
    public const string Malformed = "malformed";

    /// <summary>A value is binary data, not UTF-8 text, so it cannot become content or text metadata.</summary>
    public const string NotText = "not_text";

    /// <summary>The item was listed (a Redis SCAN) but had expired or been deleted, or kept changing type, when it was read.</summary>
    public const string Vanished = "vanished";

    /// <summary>Two records in one source have the same key; the first one is kept.</summary>
    public const string DuplicateKey = "duplicate_key";

    /// <summary>An edge names a record that is not in the snapshot or was not loaded.</summary>
    public const string MissingEndpoint = "missing_endpoint";

    /// <summary>An edge's end is a near-duplicate that Engram merged into another memory, and engram.mergedEndpoints is "reject".</summary>
    public const string MergedEndpoint = "merged_endpoint";

    /// <summary>Both ends of an edge are held by Engram as one memory (near-duplicates merged): the association would join a memory to itself.</summary>
    public const string MergedSelfLoop = "merged_self_loop";

    /// <summary>A vector has the wrong dimension or non-finite values.</summary>
    public const string BadVector = "bad_vector";

    /// <summary>The embedding service refused the text.</summary>
    public const string EmbedFailed = "embed_failed";

    /// <summary>Engram refused the record; the message carries Engram's own words.</summary>
    public const string EngramRejected = "engram_rejected";
}
