using EngramBulkLoad.Engram.Protocol;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>A memory as the test server holds it, with everything the request carried (Engram itself keeps less).</summary>
/// <param name="Id">The memory id.</param>
/// <param name="Space">The memory space.</param>
/// <param name="Content">Memory.content or Episode.what.</param>
/// <param name="Embedding">The embedding (empty when the server does not keep embeddings).</param>
/// <param name="Confidence">The confidence value; 0.7 when the request had none.</param>
/// <param name="Reasoning">The confidence's reasoning.</param>
/// <param name="Activation">Memory.activation (0 for episodes).</param>
/// <param name="DecayRate">The decay rate.</param>
/// <param name="CreatedAt">Episode.when, or the time of storage for a Memory (Engram does not keep Memory.created_at).</param>
/// <param name="Type">Memory.memory_type, or EPISODIC for an episode.</param>
/// <param name="IsEpisode">True when it came as an Episode.</param>
/// <param name="Metadata">Memory.metadata.</param>
/// <param name="Tags">Memory.tags.</param>
/// <param name="Writes">How many Remember requests carried this id (1 = written once).</param>
public sealed record StoredMemory(
    string Id,
    string Space,
    string Content,
    float[] Embedding,
    float Confidence,
    string Reasoning,
    float Activation,
    float DecayRate,
    DateTimeOffset CreatedAt,
    MemoryType Type,
    bool IsEpisode,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<string> Tags,
    int Writes);

/// <summary>An association as the test server received it (strength already clamped to [0, 1]).</summary>
public sealed record StoredAssociation(string Space, string Source, string Target, AssociationType Type, float Strength, string Reason);
