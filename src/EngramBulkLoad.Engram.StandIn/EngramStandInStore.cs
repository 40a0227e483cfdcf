using System.Collections.Concurrent;
using EngramBulkLoad.Engram.Protocol;
using Grpc.Core;

namespace EngramBulkLoad.Engram.StandIn;

/// <summary>
/// What the stand-in does with each request, apart from hosting it: the memory of each space
/// (<see cref="SpaceMemory"/>, engram-core's store), and counters of what arrived. Every rule cites the
/// Engram file it comes from (commit 5d54816); docs/engram-behaviour.md lists them. It lives in this
/// process only: what it holds is gone when the process ends.
/// </summary>
public sealed class EngramStandInStore(EngramStandInOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, SpaceMemory> _spaces = new(StringComparer.Ordinal);
    private long _recordsReceived;
    private long _upserts;
    private long _deduplicated;
    private long _streams;
    private long _unaryRemembers;
    private long _forgets;
    private long _introspects;
    private long _associations;

    /// <summary>Remember requests received (streamed and unary), including ones refused.</summary>
    public long RecordsReceived => Interlocked.Read(ref _recordsReceived);

    /// <summary>Remember requests for an id the space held already (Engram skips it when the embedding is unchanged).</summary>
    public long Upserts => Interlocked.Read(ref _upserts);

    /// <summary>Memories skipped, or that replaced another id, because a near-duplicate was held.</summary>
    public long Deduplicated => Interlocked.Read(ref _deduplicated);

    /// <summary>StreamingRemember calls opened.</summary>
    public long Streams => Interlocked.Read(ref _streams);

    /// <summary>Unary Remember calls.</summary>
    public long UnaryRemembers => Interlocked.Read(ref _unaryRemembers);

    /// <summary>Forget calls.</summary>
    public long Forgets => Interlocked.Read(ref _forgets);

    /// <summary>Introspect calls.</summary>
    public long Introspects => Interlocked.Read(ref _introspects);

    /// <summary>Associate calls accepted. Engram stores nothing for them (grpc.rs, associate); this counts what was acknowledged.</summary>
    public long Associations => Interlocked.Read(ref _associations);

    /// <summary>The memories a space holds (Engram's hot memories: what its count counts and Forget removes).</summary>
    public IReadOnlyList<StoredMemory> Memories(string space)
        => _spaces.TryGetValue(space, out var memories) ? memories.Hot() : [];

    /// <summary>Engram's memory count of a space (store.rs, count): the HTTP health endpoint reports it; gRPC Introspect does not.</summary>
    public long Count(string space) => _spaces.TryGetValue(space, out var memories) ? memories.Count : 0;

    /// <summary>One memory the space holds, or null.</summary>
    public StoredMemory? Find(string space, string id)
        => _spaces.TryGetValue(space, out var memories) ? memories.Find(id) : null;

    /// <summary>All memories held, every space.</summary>
    public IReadOnlyList<StoredMemory> All() => [.. _spaces.Values.SelectMany(space => space.Hot())];

    /// <summary>Puts a memory in directly (tests arrange with it), as if another tool had written it.</summary>
    public void Seed(StoredMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Space(memory.Space).Seed(memory);
    }

    /// <summary>Makes the space lose a memory everywhere, as no RPC can (Engram losing data, for tests of validation); true when it was held.</summary>
    public bool Lose(string space, string id) => Space(space).Lose(id);

    internal void CountStream() => Interlocked.Increment(ref _streams);

    internal void CountUnary() => Interlocked.Increment(ref _unaryRemembers);

    internal void CountIntrospect() => Interlocked.Increment(ref _introspects);

    /// <summary>
    /// grpc.rs, remember / streaming_remember: 768 floats or INVALID_ARGUMENT; a missing confidence is 0.7; a
    /// Memory is stored as an episode at the time of storage (its created_at, metadata, tags, decay rate, activation
    /// and type dropped); an Episode keeps its when. The response names the id sent and carries, as its
    /// storage_confidence, the activation the store reports.
    /// </summary>
    /// <param name="space">The resolved space.</param>
    /// <param name="request">The request.</param>
    /// <param name="sequence">The request's 1-based position in its stream; null for a unary Remember.</param>
    internal RememberResponse Remember(string space, RememberRequest request, long? sequence)
    {
        Interlocked.Increment(ref _recordsReceived);
        var memory = request.MemoryTypeCase switch
        {
            RememberRequest.MemoryTypeOneofCase.Memory => FromMemory(space, request.Memory),
            RememberRequest.MemoryTypeOneofCase.Episode => FromEpisode(space, request.Episode),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, sequence is null
                ? "Memory content missing. Like trying to remember nothing - the mind needs something to hold onto. Please provide either a Memory or Episode to remember."
                : "Streaming memory requires content - each message must contain a memory or episode")),
        };
        var memories = Space(space);
        if (memories.Find(memory.Id) is not null)
        {
            Interlocked.Increment(ref _upserts);
        }

        var (activation, outcome) = memories.Store(memory);
        if (outcome is StoreOutcome.Skipped or StoreOutcome.Replaced)
        {
            Interlocked.Increment(ref _deduplicated);
        }

        var reasoning = sequence is { } position
            ? $"Streaming {(memory.IsEpisode ? "episode" : "memory")} {position} stored in space '{space}'"
            : "Successfully encoded in working memory, awaiting consolidation";
        return new RememberResponse
        {
            MemoryId = memory.Id,
            StorageConfidence = Confidences.Of(activation, reasoning),
            InitialState = ConsolidationState.Recent,
        };
    }

    /// <summary>
    /// grpc.rs, recall, embedding cue: the cue's threshold (0.7 when none), at most max_results (10 when 0); each
    /// memory carries id, content, a placeholder embedding of 768 zeros and, as its confidence, the recall score.
    /// </summary>
    internal RecallResponse Recall(string space, RecallRequest request)
    {
        var cue = request.Cue ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "Recall requires a cue - a trigger for memory retrieval. Like trying to remember without knowing what you're looking for. Provide an embedding, semantic query, or context cue."));
        var threshold = cue.Threshold?.Value ?? 0.7f;
        var found = cue.CueTypeCase switch
        {
            Cue.CueTypeOneofCase.Embedding when cue.Embedding.Vector.Count != 768 => throw new RpcException(new Status(
                StatusCode.InvalidArgument,
                $"Embedding vector must be exactly 768 dimensions, got {cue.Embedding.Vector.Count}. Engram uses 768-dimensional embeddings (matching sentence-transformers).")),
            Cue.CueTypeOneofCase.Embedding => Space(space).Recall([.. cue.Embedding.Vector], threshold),
            Cue.CueTypeOneofCase.Semantic => Space(space).Search(cue.Semantic.Query),
            // This project's proto carries only the two cue types the loader uses; Engram answers UNIMPLEMENTED
            // for temporal and pattern cues.
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "Cue type is missing. Provide a semantic query, embedding vector, or context cue.")),
        };
        var max = request.MaxResults > 0 ? request.MaxResults : 10;
        var response = new RecallResponse();
        var now = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow());
        foreach (var (memory, score) in found.Take(max))
        {
            // engram-proto/src/lib.rs, Memory::new: activation 0, decay rate 0.1, both times now, type unspecified.
            var message = new Memory
            {
                Id = memory.Id,
                Content = memory.Content,
                Confidence = Confidences.Of(score, "Recalled from memory store via spreading activation"),
                DecayRate = 0.1f,
                LastAccess = now,
                CreatedAt = now,
            };
            message.Embedding.AddRange(new float[768]);
            response.Memories.Add(message);
        }

        var average = response.Memories.Count == 0 ? 0f : response.Memories.Average(memory => memory.Confidence.Value);
        response.RecallConfidence = Confidences.Of(average, "Aggregate confidence from recalled memories");
        return response;
    }

    /// <summary>
    /// grpc.rs, forget: a memory id target only (a pattern is UNIMPLEMENTED); SUPPRESS, DELETE and OVERWRITE all
    /// remove it through remove_consolidated_episodes; forget_confidence 0.9; reversible only for SUPPRESS.
    /// </summary>
    internal ForgetResponse Forget(string space, ForgetRequest request)
    {
        Interlocked.Increment(ref _forgets);
        if (request.Mode == ForgetMode.Unspecified)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Forgetting requires intent - specify whether to suppress (reduce activation, reversible) or delete (permanent removal). Like the difference between not thinking about something vs truly forgetting it."));
        }

        var affected = request.TargetCase switch
        {
            ForgetRequest.TargetOneofCase.MemoryId => Space(space).Forget(request.MemoryId),
            ForgetRequest.TargetOneofCase.Pattern => throw new RpcException(new Status(StatusCode.Unimplemented, "Pattern-based forgetting not yet implemented. Use memory_id to forget specific memories.")),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "Forget requires a target - specify which memory to forget using memory_id")),
        };
        return new ForgetResponse
        {
            MemoriesAffected = affected,
            ForgetConfidence = Confidences.Of(0.9f, "Forgetting operation completed"),
            Reversible = request.Mode == ForgetMode.Suppress,
        };
    }

    /// <summary>grpc.rs, associate: both ids non-empty, else INVALID_ARGUMENT; created true and the clamped strength; nothing stored.</summary>
    internal AssociateResponse Associate(string space, AssociateRequest request)
    {
        if (string.IsNullOrEmpty(request.SourceMemory) || string.IsNullOrEmpty(request.TargetMemory))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Association requires two memories to connect - like building a bridge between islands. Specify both source and target memory IDs."));
        }

        var strength = Math.Clamp(request.Strength, 0f, 1f);
        Interlocked.Increment(ref _associations);
        return new AssociateResponse { Created = true, FinalStrength = strength };
    }

    private SpaceMemory Space(string space)
        => _spaces.GetOrAdd(space, _ => new SpaceMemory(options));

    private StoredMemory FromMemory(string space, Memory memory)
    {
        CheckEmbedding(memory.Embedding.Count);
        return new StoredMemory(
            memory.Id,
            space,
            memory.Content,
            options.KeepEmbeddings ? [.. memory.Embedding] : [],
            memory.Confidence?.Value ?? 0.7f,
            Activation: 0f,
            time.GetUtcNow(),
            IsEpisode: false);
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
            Activation: 0f,
            episode.When?.ToDateTimeOffset() ?? time.GetUtcNow(),
            IsEpisode: true);
    }

    private static void CheckEmbedding(int count)
    {
        if (count != 768)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Embedding must be exactly 768 dimensions"));
        }
    }
}
