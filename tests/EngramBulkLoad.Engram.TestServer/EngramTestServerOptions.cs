namespace EngramBulkLoad.Engram.TestServer;

/// <summary>How the test server behaves. Defaults reproduce an Engram without authentication.</summary>
public sealed class EngramTestServerOptions
{
    /// <summary>Port on 127.0.0.1; 0 (default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Serve TLS with a self-signed certificate generated in memory. Default false (HTTP/2 without TLS).</summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// API keys the server accepts, each with the memory spaces it may write (null: all). Default empty:
    /// authentication off, like Engram started without it.
    /// </summary>
    public Dictionary<string, IReadOnlySet<string>?> ApiKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Engram's semantic deduplication (cosine similarity at or above the threshold). Default off.</summary>
    public bool Deduplicate { get; set; }

    /// <summary>Similarity at which a new memory counts as a duplicate. Default 0.95, Engram's.</summary>
    public double DeduplicationThreshold { get; set; } = 0.95;

    /// <summary>What a duplicate does: keep the old one and skip the new (default), or replace the old one.</summary>
    public DeduplicationStrategy DeduplicationStrategy { get; set; } = DeduplicationStrategy.Skip;

    /// <summary>The space an empty memory_space_id means. Default "default".</summary>
    public string DefaultSpace { get; set; } = "default";

    /// <summary>Keep received embeddings (needed for deduplication and Recall). Default true; benchmarks may turn it off to save memory.</summary>
    public bool KeepEmbeddings { get; set; } = true;
}

/// <summary>What Engram does with a near-duplicate memory.</summary>
public enum DeduplicationStrategy
{
    /// <summary>The new memory is not added; the old one stays.</summary>
    Skip,

    /// <summary>The new memory replaces the old one, whose id disappears.</summary>
    Replace,
}
