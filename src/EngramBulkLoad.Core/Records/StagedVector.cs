namespace EngramBulkLoad.Records;

/// <summary>
/// The embedding of one staged record, keyed by (content hash, model id) so that a re-run re-embeds
/// only text that changed. Written to <c>vectors/</c> part files.
/// </summary>
/// <param name="MemoryId">The record's memory id.</param>
/// <param name="ContentHash">Hex SHA-256 of the text that was embedded.</param>
/// <param name="ModelId">The embedding model's id (for the offline embedder, a lexical id).</param>
/// <param name="Vector">The embedding; its length is the model's dimension.</param>
/// <param name="TokenCount">Tokens the model saw for this text.</param>
/// <param name="Truncated">True when the text was longer than the model's maximum sequence length.</param>
public sealed record StagedVector(
    string MemoryId,
    string ContentHash,
    string ModelId,
    float[] Vector,
    int TokenCount,
    bool Truncated);
