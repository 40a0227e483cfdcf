using EngramBulkLoad.Engram.Protocol;

namespace EngramBulkLoad.Engram.StandIn;

/// <summary>
/// A memory as Engram holds it: what its Remember handlers keep of a request, and nothing more
/// (engram-cli/src/grpc.rs, remember and streaming_remember, at commit 5d54816: a <c>Memory</c> becomes
/// an <c>Episode</c> of id, the time of storage, content, embedding and confidence; an <c>Episode</c>
/// keeps its <c>when</c> too; metadata, tags, created_at, decay rate, activation and memory type are dropped).
/// </summary>
/// <param name="Id">The memory id.</param>
/// <param name="Space">The memory space.</param>
/// <param name="Content">Memory.content or Episode.what.</param>
/// <param name="Embedding">The embedding (empty when the server does not keep embeddings).</param>
/// <param name="Confidence">The confidence value sent (Memory.confidence or Episode.encoding_confidence); 0.7 when the request had none.</param>
/// <param name="Activation">The activation Engram computed at storage (engram-core/src/store.rs, store): confidence × (1 − pressure / 2).</param>
/// <param name="When">Episode.when, or the time of storage for a Memory (Engram does not keep Memory.created_at).</param>
/// <param name="IsEpisode">True when it came as an Episode.</param>
public sealed record StoredMemory(
    string Id,
    string Space,
    string Content,
    float[] Embedding,
    float Confidence,
    float Activation,
    DateTimeOffset When,
    bool IsEpisode);

