namespace EngramBulkLoad.Records;

/// <summary>
/// One source record as the extract stage stages it: identity, the text that becomes the memory's
/// content, and the source's own fields as a JSON object. Written to <c>records/</c> part files.
/// </summary>
/// <param name="MemoryId">Deterministic Engram memory id, from <see cref="Identity.MemoryIdentity"/>.</param>
/// <param name="Source">The source's name in the job config.</param>
/// <param name="SourceKind">The source's kind (postgres, jsonl, csv, ...).</param>
/// <param name="Collection">Table, query name, collection, index or label the record came from.</param>
/// <param name="SourceKey">The record's primary key, canonically formatted (see <see cref="Identity.SourceKey"/>).</param>
/// <param name="Content">The text that becomes the memory's content and is embedded.</param>
/// <param name="ContentHash">Hex SHA-256 of <paramref name="Content"/>; vectors are keyed by it.</param>
/// <param name="Timestamp">The record's own time (a timestamp column), if the mapping names one.</param>
/// <param name="Kind">Semantic for rows and documents, episodic for cache entries.</param>
/// <param name="TtlSeconds">Remaining time to live of a cache entry; informs the decay rate.</param>
/// <param name="MetadataJson">The source's other fields as a JSON object.</param>
public sealed record StagedRecord(
    string MemoryId,
    string Source,
    string SourceKind,
    string Collection,
    string SourceKey,
    string Content,
    string ContentHash,
    DateTimeOffset? Timestamp,
    MemoryKind Kind,
    long? TtlSeconds,
    string MetadataJson);
