namespace EngramBulkLoad.Engram.StandIn;

/// <summary>
/// How the stand-in behaves. Defaults reproduce Engram as <c>engram start</c> runs it at commit 5d54816:
/// no authentication, semantic deduplication on (cosine 0.95, keep the higher confidence), 100,000 memories
/// per space before eviction. Not sealed: the test server adds what only tests need (TLS, request records).
/// </summary>
public class EngramStandInOptions
{
    /// <summary>Port on 127.0.0.1; 0 (default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// API keys the server accepts, each with the memory spaces it may write (null: all). Default empty:
    /// authentication off, like Engram started without it.
    /// </summary>
    public Dictionary<string, IReadOnlySet<string>?> ApiKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Engram's semantic deduplication (engram-core/src/storage/deduplication.rs, called by every store in
    /// engram-core/src/store.rs). Default true, as in Engram, where it cannot be turned off from the server's
    /// configuration; false models an Engram built or patched without it.
    /// </summary>
    public bool Deduplicate { get; set; } = true;

    /// <summary>Similarity at or above which a new memory is a duplicate. Default 0.95, Engram's (<c>SemanticDeduplicator::default</c>).</summary>
    public double DeduplicationThreshold { get; set; } = 0.95;

    /// <summary>Which of two near-duplicates Engram keeps. Default <see cref="DeduplicationStrategy.KeepHighestConfidence"/>, Engram's.</summary>
    public DeduplicationStrategy DeduplicationStrategy { get; set; } = DeduplicationStrategy.KeepHighestConfidence;

    /// <summary>
    /// Memories a space holds before each new one evicts the one of lowest activation (engram-cli/src/main.rs,
    /// build_memory_space_store: <c>MemoryStore::for_space(id, 100_000)</c>; store.rs, evict_lowest_activation).
    /// Default 100,000; 0 turns eviction off (benchmarks that load millions).
    /// </summary>
    public int Capacity { get; set; } = 100_000;

    /// <summary>The space an empty memory_space_id means. Default "default".</summary>
    public string DefaultSpace { get; set; } = "default";

    /// <summary>Keep received embeddings (needed for deduplication and Recall). Default true; benchmarks may turn it off to save memory.</summary>
    public bool KeepEmbeddings { get; set; } = true;
}

/// <summary>Engram's merge strategies that keep one of two near-duplicates (deduplication.rs, MergeStrategy).</summary>
public enum DeduplicationStrategy
{
    /// <summary>The new memory replaces the old one when its confidence is strictly higher; otherwise it is skipped. Engram's default.</summary>
    KeepHighestConfidence,

    /// <summary>The new memory replaces the old one when its time is later; otherwise it is skipped.</summary>
    KeepMostRecent,

    /// <summary>The new memory replaces the old one when its time is earlier; otherwise it is skipped.</summary>
    KeepOldest,
}
