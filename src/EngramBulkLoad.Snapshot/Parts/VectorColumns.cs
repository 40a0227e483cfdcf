namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>
/// Names of the vectors part's string columns (docs/snapshot-format.md), for readers that need one column
/// without decoding the vectors (<see cref="PartFileReader{T}.ReadStringColumnAsync"/>).
/// </summary>
public static class VectorColumns
{
    public const string MemoryId = "memory_id";

    public const string ContentHash = "content_hash";

    public const string ModelId = "model_id";
}
