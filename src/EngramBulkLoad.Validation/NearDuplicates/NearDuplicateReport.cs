using System.Text.Json.Serialization;

namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// What the near-duplicate analysis of a snapshot's vectors found, and how many memories Engram is
/// expected to hold once it has merged them. Saved as <c>near-duplicates.json</c> beside the manifest.
/// </summary>
public sealed class NearDuplicateReport
{
    /// <summary>The migration analysed.</summary>
    public required string MigrationId { get; init; }

    /// <summary>When the analysis ran (UTC).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>SHA-256 of the options and of every vectors file (path, rows, bytes): a stale analysis is recomputed.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The options used.</summary>
    public required NearDuplicateOptions Options { get; init; }

    /// <summary>Vector rows read, all parts together.</summary>
    public long VectorRows { get; init; }

    /// <summary>Rows whose memory id an earlier row already had (a later generation's update, or a duplicated row): the same memory, not a new one.</summary>
    public long RepeatedIds { get; init; }

    /// <summary>Distinct memory ids whose vector Engram can take (finite, non-zero, of the snapshot's dimension).</summary>
    public long LoadableMemories { get; init; }

    /// <summary>Distinct memory ids skipped because their vector is not finite, zero, or of another dimension (the loader rejects them).</summary>
    public long UnloadableMemories { get; init; }

    /// <summary>Memories whose text (content hash) an earlier memory already had: found exactly.</summary>
    public long ExactDuplicates { get; init; }

    /// <summary>Candidate pairs from the LSH buckets that passed the signature pre-filter and were compared exactly.</summary>
    public long CandidatePairs { get; init; }

    /// <summary>Band buckets too large for the comparison budget (128 a vector and band), in which each member was compared with its next 128 in another band's order only.</summary>
    public long LargeBuckets { get; init; }

    /// <summary>Pairs of those large buckets that were not compared in that band (another band may have compared them); above 0 the analysis is not <see cref="Complete"/>.</summary>
    public long PairsNotCompared { get; init; }

    /// <summary>Candidate pairs whose exact cosine reached the threshold.</summary>
    public long VerifiedPairs { get; init; }

    /// <summary>False when <see cref="NearDuplicateOptions.MaxCandidatePairs"/> was reached and some buckets were not searched, or when a large bucket left pairs out (<see cref="PairsNotCompared"/>).</summary>
    public bool Complete { get; init; }

    /// <summary>Probability of finding a pair at exactly the threshold (identical texts: always found).</summary>
    public double RecallAtThreshold { get; init; }

    /// <summary>Memories Engram is expected to hold: loadable memories minus those that fold into another in load order.</summary>
    public long ExpectedHeld { get; init; }

    /// <summary>
    /// Fewest memories Engram can hold in any load order (every group folds to one). Batches in flight
    /// reorder writes a little, which can change how a chain of near-duplicates folds.
    /// </summary>
    public long ExpectedHeldLow { get; init; }

    /// <summary>Most memories Engram can hold in any load order (only identical vectors are sure to fold).</summary>
    public long ExpectedHeldHigh { get; init; }

    /// <summary>Groups of near-duplicates (connected by cosine at or above the threshold), members in load order.</summary>
    public required IReadOnlyList<NearDuplicateGroup> Groups { get; init; }

    /// <summary>Memories that fold into another (not held by Engram).</summary>
    public long Folded => LoadableMemories - ExpectedHeld;
}

/// <summary>A group of memories connected by cosine similarity at or above the threshold.</summary>
/// <param name="Members">The members in load order.</param>
public sealed record NearDuplicateGroup(IReadOnlyList<NearDuplicateMember> Members)
{
    /// <summary>True when every two members are within the threshold of each other: any load order then folds the group to one.</summary>
    public bool IsClique { get; init; }

    /// <summary>Members with the same text as an earlier member (derived from <see cref="Members"/>, so not saved).</summary>
    [JsonIgnore]
    public int ExactDuplicates => Members.Count(member => member.SameTextAs is not null);

    /// <summary>The members Engram is expected to hold after the group is loaded (derived from <see cref="Members"/>, so not saved).</summary>
    [JsonIgnore]
    public IEnumerable<string> Held => Members.Where(member => member.Holds).Select(member => member.MemoryId);
}

/// <summary>One member of a near-duplicate group.</summary>
/// <param name="MemoryId">The memory id.</param>
/// <param name="Holds">True when Engram is expected to hold this id.</param>
/// <param name="MergedInto">When it does not hold: the id Engram holds in its place.</param>
/// <param name="Cosine">Cosine with <paramref name="MergedInto"/> when the pair was compared (1 for the same text); null otherwise.</param>
/// <param name="SameTextAs">The id of the first member with the same text (content hash), if any.</param>
public sealed record NearDuplicateMember(string MemoryId, bool Holds, string? MergedInto, double? Cosine, string? SameTextAs);
