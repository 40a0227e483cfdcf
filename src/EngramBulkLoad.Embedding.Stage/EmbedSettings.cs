using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Embedding.Stage;

/// <summary>Settings of the embed stage (the "embedding" section, less the embedder's own keys).</summary>
public sealed record EmbedSettings
{
    /// <summary>Parts embedded at the same time. Default 2: one part's Parquet work overlaps another's embedding calls.</summary>
    public int PartsInParallel { get; init; } = 2;

    /// <summary>Texts per embedder call. Default 64.</summary>
    public int TextsPerBatch { get; init; } = 64;

    /// <summary>Embedder calls in flight per part. Default 4, so a remote service always has work queued.</summary>
    public int BatchesInFlight { get; init; } = 4;

    /// <summary>
    /// Other snapshot folders whose vectors may be reused when the content hash and model id match
    /// (e.g. the previous snapshot of the same sources). The snapshot's own vectors are always reused.
    /// </summary>
    public IReadOnlyList<string> ReuseFrom { get; init; } = [];

    /// <summary>
    /// Allow a model other than the one the snapshot was embedded with: every part is embedded again
    /// and loaded again (same memory ids, so Engram replaces the memories).
    /// </summary>
    public bool ChangeModel { get; init; }

    /// <summary>Reads the stage's keys from the "embedding" section; the embedder's keys are read by <see cref="EmbedderFactory"/>.</summary>
    public static EmbedSettings From(ConfigNode? node, string baseDirectory)
    {
        if (node is null)
        {
            return new EmbedSettings();
        }

        return new EmbedSettings
        {
            PartsInParallel = node.Int("partsInParallel", 2, 1, 64),
            TextsPerBatch = node.Int("textsPerBatch", 64, 1, 4096),
            BatchesInFlight = node.Int("batchesInFlight", 4, 1, 256),
            ReuseFrom = [.. node.StringList("reuseVectorsFrom").Select(path => Path.GetFullPath(path, baseDirectory))],
        };
    }
}
