namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>What a Parquet part file holds. The name is stored in the file and used as the folder name.</summary>
public enum PartKind
{
    Records,
    Edges,
    Rejects,
    Vectors,
}

/// <summary>Names of <see cref="PartKind"/> as they appear on disk and in file metadata.</summary>
public static class PartKindNames
{
    /// <summary>The lower-case name of a part kind ("records", "edges", "rejects", "vectors").</summary>
    public static string Name(this PartKind kind) => kind switch
    {
        PartKind.Records => "records",
        PartKind.Edges => "edges",
        PartKind.Rejects => "rejects",
        PartKind.Vectors => "vectors",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown part kind."),
    };
}
