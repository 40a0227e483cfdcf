using System.Collections.Concurrent;
using EngramBulkLoad.Engram.Protocol;
using Grpc.Core;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// The memory the test server holds, per space, and counters of what it received. Storing follows
/// Engram's rules: 768 floats or INVALID_ARGUMENT; a missing confidence is 0.7; a Memory's created_at is
/// not kept, an Episode's when is; a Remember of an id already held replaces it (no second memory);
/// optionally, a new memory within cosine 0.95 of one already held is deduplicated.
/// </summary>
public sealed class EngramTestStore(EngramTestServerOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, StoredMemory>> _spaces = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StoredAssociation> _associations = new();
    private readonly Lock _dedupLock = new();
    private long _recordsReceived;
    private long _upserts;
    private long _deduplicated;
    private long _streams;
    private long _unaryRemembers;
    private long _forgets;
    private long _introspects;

    /// <summary>Remember requests received (streamed and unary), including ones refused.</summary>
    public long RecordsReceived => Interlocked.Read(ref _recordsReceived);

    /// <summary>Remember requests for an id already held (each replaced the memory; none added one).</summary>
    public long Upserts => Interlocked.Read(ref _upserts);

    /// <summary>Memories not added, or that replaced another, because of deduplication by meaning.</summary>
    public long Deduplicated => Interlocked.Read(ref _deduplicated);

    /// <summary>StreamingRemember calls opened.</summary>
    public long Streams => Interlocked.Read(ref _streams);

    /// <summary>Unary Remember calls.</summary>
    public long UnaryRemembers => Interlocked.Read(ref _unaryRemembers);

    /// <summary>Forget calls.</summary>
    public long Forgets => Interlocked.Read(ref _forgets);

    /// <summary>Introspect calls.</summary>
    public long Introspects => Interlocked.Read(ref _introspects);

    /// <summary>Associations received, in order.</summary>
    public IReadOnlyList<StoredAssociation> Associations => [.. _associations];

    /// <summary>The memories of a space.</summary>
    public IReadOnlyList<StoredMemory> Memories(string space)
        => _spaces.TryGetValue(space, out var memories) ? [.. memories.Values] : [];

    /// <summary>Number of memories in a space.</summary>
    public int Count(string space) => _spaces.TryGetValue(space, out var memories) ? memories.Count : 0;

    /// <summary>One memory, or null.</summary>
    public StoredMemory? Find(string space, string id)
        => _spaces.TryGetValue(space, out var memories) && memories.TryGetValue(id, out var memory) ? memory : null;

    /// <summary>Puts a memory in directly (to arrange a test), as if another tool had written it.</summary>
    public void Seed(StoredMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Space(memory.Space)[memory.Id] = memory;
    }

    internal void CountStream() => Interlocked.Increment(ref _streams);

    internal void CountUnary() => Interlocked.Increment(ref _unaryRemembers);

    internal void CountIntrospect() => Interlocked.Increment(ref _introspects);

    internal RememberResponse Remember(string space, RememberRequest request)
    {
        Interlocked.Increment(ref _recordsReceived);
        var memory = request.MemoryTypeCase switch
        {
            RememberRequest.MemoryTypeOneofCase.Memory => FromMemory(space, request.Memory),
            RememberRequest.MemoryTypeOneofCase.Episode => FromEpisode(space, request.Episode),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "Memory content missing: provide either a Memory or an Episode to remember.")),
        };
        var memories = Space(space);
        if (options.Deduplicate && !memories.ContainsKey(memory.Id))
        {
            // Engram compares against what it holds; one writer at a time keeps the comparison honest.
            lock (_dedupLock)
            {
                var duplicate = memories.Values.FirstOrDefault(existing => existing.Embedding.Length > 0 && Cosine(existing.Embedding, memory.Embedding) >= options.DeduplicationThreshold);
                if (duplicate is not null)
                {
                    Interlocked.Increment(ref _deduplicated);
                    if (options.DeduplicationStrategy == DeduplicationStrategy.Replace)
                    {
                        memories.TryRemove(duplicate.Id, out _);
                        memories[memory.Id] = memory;
                    }

                    // Either way the response carries the id that was sent, as Engram's does.
                    return Acknowledge(memory, space);
                }

                memories[memory.Id] = memory;
                return Acknowledge(memory, space);
            }
        }

        memories.AddOrUpdate(
            memory.Id,
            memory,
            (_, previous) =>
            {
                Interlocked.Increment(ref _upserts);
                return memory with { Writes = previous.Writes + 1 };
            });
        return Acknowledge(memory, space);
    }

    internal int Forget(string space, string id, ForgetMode mode)
    {
        Interlocked.Increment(ref _forgets);
        return mode switch
        {
            // Engram treats SUPPRESS and OVERWRITE as removal too, for now.
            ForgetMode.Delete or ForgetMode.Suppress or ForgetMode.Overwrite => Space(space).TryRemove(id, out _) ? 1 : 0,
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "Forgetting requires a mode: SUPPRESS or DELETE.")),
        };
    }

    internal float Associate(string space, AssociateRequest request)
    {
        if (string.IsNullOrEmpty(request.SourceMemory) || string.IsNullOrEmpty(request.TargetMemory))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Association requires two memories: specify both source and target memory ids."));
        }

        var strength = Math.Clamp(request.Strength, 0f, 1f);
        _associations.Enqueue(new StoredAssociation(space, request.SourceMemory, request.TargetMemory, request.AssociationType, strength, request.Reason));
        return strength;
    }

    internal IReadOnlyList<StoredMemory> All() => [.. _spaces.Values.SelectMany(space => space.Values)];

    private ConcurrentDictionary<string, StoredMemory> Space(string space)
        => _spaces.GetOrAdd(space, static _ => new ConcurrentDictionary<string, StoredMemory>(StringComparer.Ordinal));

    private StoredMemory FromMemory(string space, Memory memory)
    {
        CheckEmbedding(memory.Embedding.Count);
        return new StoredMemory(
            memory.Id,
            space,
            memory.Content,
            options.KeepEmbeddings ? [.. memory.Embedding] : [],
            memory.Confidence?.Value ?? 0.7f,
            memory.Confidence?.Reasoning ?? string.Empty,
            memory.Activation,
            memory.DecayRate,
            time.GetUtcNow(),
            memory.MemoryType,
            IsEpisode: false,
            new Dictionary<string, string>(memory.Metadata, StringComparer.Ordinal),
            [.. memory.Tags],
            Writes: 1);
    }

    private StoredMemory FromEpisode(string space, Episode episode)
    {
        CheckEmbedding(episode.Embedding.Count);
        return new StoredMemory(
            episode.Id,
            space,
            episode.What,
            options.KeepEmbeddings ? [.. episode.Embedding] : [],
            episode.EncodingConfidence?.Value ?? 0.7f,
            episode.EncodingConfidence?.Reasoning ?? string.Empty,
            Activation: 0f,
            episode.DecayRate,
            episode.When?.ToDateTimeOffset() ?? time.GetUtcNow(),
            MemoryType.Episodic,
            IsEpisode: true,
            new Dictionary<string, string>(StringComparer.Ordinal),
            [],
            Writes: 1);
    }

    private static void CheckEmbedding(int count)
    {
        if (count != 768)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Embedding must be exactly 768 dimensions"));
        }
    }

    private static RememberResponse Acknowledge(StoredMemory memory, string space) => new()
    {
        MemoryId = memory.Id,
        StorageConfidence = new Protocol.Confidence { Value = memory.Confidence, Reasoning = $"stored in space '{space}'" },
        InitialState = ConsolidationState.Recent,
    };

    private static double Cosine(float[] a, float[] b)
    {
        if (a.Length != b.Length)
        {
            return 0;
        }

        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }

        return normA == 0 || normB == 0 ? 0 : dot / Math.Sqrt(normA * normB);
    }
}
