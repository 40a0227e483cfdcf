namespace EngramBulkLoad.Records;

/// <summary>
/// The cognitive shape a source record takes in Engram: rows, documents and graph nodes become
/// semantic memories; cache entries become episodic memories that decay.
/// </summary>
public enum MemoryKind
{
    Semantic = 1,
    Episodic = 2,
}
