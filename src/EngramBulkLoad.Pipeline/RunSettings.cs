using EngramBulkLoad.Configuration;
using EngramBulkLoad.Embedding.Stage;

namespace EngramBulkLoad.Pipeline;

/// <summary>What one <c>run</c> does: the stages' settings and whether it loads into Engram.</summary>
public sealed record RunSettings
{
    /// <summary>Settings of the extract stage.</summary>
    public required ExtractSettings Extract { get; init; }

    /// <summary>Settings of the embed stage.</summary>
    public required EmbedSettings Embed { get; init; }

    /// <summary>
    /// Parts waiting between two stages. Small on purpose: a part is up to 50,000 records, and waiting
    /// parts are on disk anyway, so a short queue keeps memory flat and every stage busy.
    /// </summary>
    public int PartsQueued { get; init; } = 2;
}
