namespace EngramBulkLoad.Records;

/// <summary>Names of <see cref="MemoryKind"/> as they are written in snapshots and config.</summary>
public static class MemoryKindNames
{
    /// <summary>"semantic" or "episodic".</summary>
    public static string Name(this MemoryKind kind) => kind switch
    {
        MemoryKind.Semantic => "semantic",
        MemoryKind.Episodic => "episodic",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown memory kind."),
    };

    /// <summary>Parses "semantic" or "episodic" (any case).</summary>
    public static MemoryKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "semantic" => MemoryKind.Semantic,
        "episodic" => MemoryKind.Episodic,
        _ => throw new FormatException($"Unknown memory kind '{name}'; expected 'semantic' or 'episodic'."),
    };
}
