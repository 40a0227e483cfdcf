using System.Numerics;
using System.Runtime.InteropServices;

namespace EngramBulkLoad.Engram.StandIn;

/// <summary>
/// One memory space as engram-core's <c>MemoryStore</c> (engram-core/src/store.rs at commit 5d54816) keeps it:
/// <list type="bullet">
/// <item>the hot memories (<c>hot_memories</c>): what deduplication compares against, what Forget removes, what the count counts;</item>
/// <item>the write-ahead buffer (<c>wal_buffer</c>): every stored episode; a memory replaced by a near-duplicate stays in it;</item>
/// <item>the persistent tiers (<c>CognitiveTierArchitecture</c>, storage/tiers.rs): every stored memory, written by
///   <c>persist_episode</c>; neither Forget nor a replacing near-duplicate removes it, and Recall reads it first;</item>
/// <item>the memory count (<c>memory_count</c>), which only a new memory raises and only Forget or eviction lowers.</item>
/// </list>
/// One lock per space: Engram's deduplicator takes a write lock for the comparison, and this keeps the rest consistent.
/// </summary>
internal sealed class SpaceMemory(EngramStandInOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StoredMemory> _hot = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredMemory> _wal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredMemory> _tiers = new(StringComparer.Ordinal);
    private readonly SortedSet<(float Activation, string Id)> _eviction = new();
    private long _count;

    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public IReadOnlyList<StoredMemory> Hot()
    {
        lock (_lock)
        {
            return [.. _hot.Values];
        }
    }

    public StoredMemory? Find(string id)
    {
        lock (_lock)
        {
            return _hot.GetValueOrDefault(id);
        }
    }

    /// <summary>store.rs, store: evict at capacity, compute activation, deduplicate against the hot memories, then insert.</summary>
    /// <returns>The activation Engram reports in the response, and what became of the memory.</returns>
    public (float Activation, StoreOutcome Outcome) Store(StoredMemory memory)
    {
        lock (_lock)
        {
            // pressure_ratio: the count before this store over the capacity; activation = confidence × (1 − pressure / 2).
            var pressure = options.Capacity <= 0 ? 0f : Math.Clamp((float)_count / options.Capacity, 0f, 1f);
            var activation = Math.Clamp(memory.Confidence * (1f - (0.5f * pressure)), 0f, 1f);
            if (options.Capacity > 0 && _count >= options.Capacity)
            {
                EvictLowestActivation();
            }

            memory = memory with { Activation = activation };
            var isNew = true;
            if (options.Deduplicate && memory.Embedding.Length > 0 && BestMatch(memory) is { } match)
            {
                var (existing, similarity) = match;
                if (similarity > 0.999f && existing.Id == memory.Id || !Replaces(memory, existing))
                {
                    // DeduplicationAction::Skip with an existing id: nothing is stored; the response still carries the
                    // id sent, with 0.9 of the activation.
                    return (activation * 0.9f, existing.Id == memory.Id ? StoreOutcome.Unchanged : StoreOutcome.Skipped);
                }

                // DeduplicationAction::Replace: the old id leaves the hot memories (not the WAL buffer, the eviction
                // queue or the persistent tiers), and the count stays as it was.
                _hot.Remove(existing.Id);
                isNew = false;
                _tiers[memory.Id] = memory;
                Insert(memory);
                return (activation, existing.Id == memory.Id ? StoreOutcome.Updated : StoreOutcome.Replaced);
            }

            var updated = _hot.ContainsKey(memory.Id);
            _tiers[memory.Id] = memory;
            Insert(memory);
            if (isNew)
            {
                // Also for an id already held whose embedding moved away (no near-duplicate): Engram overwrites the
                // entry and still counts one more memory.
                _count++;
            }

            return (activation, updated ? StoreOutcome.Updated : StoreOutcome.Added);
        }
    }

    /// <summary>store.rs, remove_consolidated_episodes (what Forget calls, for every mode): hot memories, WAL buffer and eviction queue; not the persistent tiers.</summary>
    public int Forget(string id)
    {
        lock (_lock)
        {
            var removed = _hot.Remove(id) | _wal.Remove(id);
            _eviction.RemoveWhere(entry => entry.Id == id);
            if (!removed)
            {
                return 0;
            }

            _count--;
            return 1;
        }
    }

    /// <summary>
    /// Recall by an embedding cue as Engram answers it with its default build (memory_mapped_persistence on):
    /// <c>recall_with_persistence</c> asks the persistent tiers first (storage/tiers.rs, recall; hot_tier.rs,
    /// embedding_similarity_search): every memory whose cosine similarity, negative values taken as 0, is at least
    /// the cue's threshold, best first, at most the core cue's 100 (memory/types.rs, Cue::embedding). The score is
    /// the similarity. (Only when the tiers return nothing does Engram fall back to its in-memory search, which finds
    /// nothing more above the threshold, since every stored memory is in the tiers.)
    /// </summary>
    public List<(StoredMemory Memory, float Score)> Recall(float[] cue, float threshold)
    {
        List<(StoredMemory Memory, float Score)> results = [];
        lock (_lock)
        {
            foreach (var memory in _tiers.Values)
            {
                if (memory.Embedding.Length != cue.Length)
                {
                    continue;
                }

                var score = Math.Max(0f, Cosine(memory.Embedding, cue));
                if (score >= threshold)
                {
                    results.Add((memory, score));
                }
            }
        }

        // A stable sort keeps the tier's order among equal scores, as Rust's sort_by does.
        return [.. results.OrderByDescending(result => result.Score).Take(100)];
    }

    /// <summary>Content search for a semantic cue. The loader never sends one; this is a plain case-insensitive substring match, not Engram's scoring.</summary>
    public List<(StoredMemory Memory, float Score)> Search(string query)
    {
        lock (_lock)
        {
            return [.. _tiers.Values.Where(memory => memory.Content.Contains(query, StringComparison.OrdinalIgnoreCase)).Select(memory => (memory, 0.7f)).Take(100)];
        }
    }

    /// <summary>Puts a memory in directly, as another writer would have stored it.</summary>
    public void Seed(StoredMemory memory)
    {
        lock (_lock)
        {
            if (!_hot.ContainsKey(memory.Id))
            {
                _count++;
            }

            _tiers[memory.Id] = memory;
            Insert(memory);
        }
    }

    /// <summary>Removes a memory from everywhere, tiers included: Engram losing data, which no RPC does.</summary>
    public bool Lose(string id)
    {
        lock (_lock)
        {
            var held = _hot.Remove(id);
            _wal.Remove(id);
            _tiers.Remove(id);
            _eviction.RemoveWhere(entry => entry.Id == id);
            if (held)
            {
                _count--;
            }

            return held;
        }
    }

    private void Insert(StoredMemory memory)
    {
        _hot[memory.Id] = memory;
        _wal[memory.Id] = memory;
        _eviction.Add((memory.Activation, memory.Id));
    }

    /// <summary>store.rs, evict_lowest_activation: the first of the eviction queue (lowest activation, then id) leaves the hot memories and the WAL buffer.</summary>
    private void EvictLowestActivation()
    {
        if (_eviction.Count == 0)
        {
            return;
        }

        var lowest = _eviction.Min;
        _eviction.Remove(lowest);
        _hot.Remove(lowest.Id);
        _wal.Remove(lowest.Id);
        _count--;
    }

    /// <summary>deduplication.rs, check_duplicate: the hot memory of highest similarity at or above the threshold (the first of equals).</summary>
    private (StoredMemory Memory, float Similarity)? BestMatch(StoredMemory memory)
    {
        var threshold = (float)options.DeduplicationThreshold;
        (StoredMemory Memory, float Similarity)? best = null;
        foreach (var existing in _hot.Values)
        {
            if (existing.Embedding.Length != memory.Embedding.Length)
            {
                continue;
            }

            var similarity = Cosine(memory.Embedding, existing.Embedding);
            if (similarity >= threshold && (best is null || similarity > best.Value.Similarity))
            {
                best = (existing, similarity);
            }
        }

        return best;
    }

    /// <summary>deduplication.rs, determine_action, for the strategies that keep one of the two.</summary>
    private bool Replaces(StoredMemory incoming, StoredMemory existing) => options.DeduplicationStrategy switch
    {
        DeduplicationStrategy.KeepHighestConfidence => incoming.Confidence > existing.Confidence,
        DeduplicationStrategy.KeepMostRecent => incoming.When > existing.When,
        DeduplicationStrategy.KeepOldest => incoming.When < existing.When,
        _ => false,
    };

    /// <summary>Cosine similarity in single precision, as engram-core's compute::cosine_similarity_768; 0 when either vector is zero.</summary>
    internal static float Cosine(float[] a, float[] b)
    {
        var width = Vector<float>.Count;
        var dot = Vector<float>.Zero;
        var normA = Vector<float>.Zero;
        var normB = Vector<float>.Zero;
        var spanA = MemoryMarshal.Cast<float, Vector<float>>(a.AsSpan());
        var spanB = MemoryMarshal.Cast<float, Vector<float>>(b.AsSpan());
        for (var i = 0; i < spanA.Length; i++)
        {
            dot += spanA[i] * spanB[i];
            normA += spanA[i] * spanA[i];
            normB += spanB[i] * spanB[i];
        }

        float d = Vector.Sum(dot), na = Vector.Sum(normA), nb = Vector.Sum(normB);
        for (var i = spanA.Length * width; i < a.Length; i++)
        {
            d += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0f : d / MathF.Sqrt(na * nb);
    }
}

/// <summary>What Engram did with a memory it acknowledged.</summary>
public enum StoreOutcome
{
    /// <summary>A new memory.</summary>
    Added,

    /// <summary>The id was held; the entry was overwritten.</summary>
    Updated,

    /// <summary>A near-duplicate of another id was held and this one replaced it (that id is gone from the hot memories).</summary>
    Replaced,

    /// <summary>A near-duplicate under another id was held and this one was not stored.</summary>
    Skipped,

    /// <summary>The id was held with a near-identical embedding and the entry was kept as it was (a re-send changes nothing).</summary>
    Unchanged,
}
