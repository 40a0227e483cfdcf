using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Validation;

/// <summary>
/// What a validation found: every check with its figures, the counts per source and stage, the rejects
/// grouped by reason, the near-duplicate analysis and the throughput of each stage over time. Written by
/// <see cref="ValidationReportWriter"/> as report.json, report.md and report.html.
/// </summary>
public sealed class ValidationReport
{
    /// <summary>The migration validated.</summary>
    public required string MigrationId { get; init; }

    /// <summary>The snapshot folder.</summary>
    public required string SnapshotFolder { get; init; }

    /// <summary>When the validation ran (UTC).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>"address, space 'id'" of the Engram asked, or null when validated without Engram.</summary>
    public string? Engram { get; init; }

    /// <summary>The embedding model of the snapshot ("id (kind, dimension)"), or null when not embedded.</summary>
    public string? Model { get; init; }

    /// <summary>The snapshot's shard ("i/N"), or null for the whole key space.</summary>
    public string? Shard { get; init; }

    /// <summary>Every check, in the order they ran.</summary>
    public required IReadOnlyList<ValidationCheck> Checks { get; init; }

    /// <summary>Counts per source and stage.</summary>
    public required IReadOnlyList<SourceReconciliation> Sources { get; init; }

    /// <summary>Rejects grouped by source, stage and reason code.</summary>
    public required IReadOnlyList<RejectGroup> Rejects { get; init; }

    /// <summary>The near-duplicate analysis (its groups are in near-duplicates.json; a few here).</summary>
    public required NearDuplicateSummary NearDuplicates { get; init; }

    /// <summary>Records per second over time, per stage, from the parts' timestamps.</summary>
    public required IReadOnlyList<ThroughputSeries> Throughput { get; init; }

    /// <summary>True when no check failed (warnings and skipped checks do not fail a validation).</summary>
    public bool Passed => Checks.All(check => check.Status != CheckStatus.Failed);
}

/// <summary>Counts of one source over all its parts. Invariants: SourceRows = Staged + ExtractRejected + StandaloneEdges; Staged = Embedded + EmbedRejected; Embedded = Loaded + LoadRejected; Edges = Associations + AssociationsRemapped + AssociationsRejected (of which EdgesRejectedMerged had an end Engram merged).</summary>
public sealed record SourceReconciliation(
    string Source,
    int Parts,
    int PartsLoaded,
    long SourceRows,
    long Staged,
    long ExtractRejected,
    long StandaloneEdges,
    long Embedded,
    long EmbedRejected,
    long Loaded,
    long LoadRejected,
    long Edges,
    long Associations,
    long AssociationsRejected)
{
    /// <summary>Associations sent to the memory Engram holds in place of a merged end (engram.mergedEndpoints "remap").</summary>
    public long AssociationsRemapped { get; init; }

    /// <summary>Of <see cref="AssociationsRejected"/>, edges rejected because Engram merged an end (merged_endpoint, merged_self_loop).</summary>
    public long EdgesRejectedMerged { get; init; }
}

/// <summary>Rejects of one source, stage and reason.</summary>
/// <param name="Source">The source.</param>
/// <param name="Stage">extract, embed or load.</param>
/// <param name="Code">The reason code (see RejectCodes).</param>
/// <param name="Count">How many.</param>
/// <param name="Example">The first one's location and message.</param>
public sealed record RejectGroup(string Source, string Stage, string Code, long Count, string Example);

/// <summary>The near-duplicate analysis in brief, with its largest groups (all groups are in near-duplicates.json).</summary>
public sealed record NearDuplicateSummary(
    double Threshold,
    string Strategy,
    long LoadableMemories,
    long ExactDuplicates,
    int Groups,
    long Folded,
    long ExpectedHeld,
    long ExpectedHeldLow,
    long ExpectedHeldHigh,
    double RecallAtThreshold,
    bool Complete,
    IReadOnlyList<NearDuplicateGroup> FirstGroups)
{
    /// <summary>The source, key and start of the text of the members of <see cref="FirstGroups"/>, by memory id (members whose record was not found are absent).</summary>
    public IReadOnlyDictionary<string, MemoryGlimpse> Members { get; init; } = new Dictionary<string, MemoryGlimpse>(StringComparer.Ordinal);
}

/// <summary>Where a memory came from and how its text starts, so a person can judge a near-duplicate group without opening the snapshot.</summary>
/// <param name="Source">The source's name.</param>
/// <param name="Collection">The table, collection, index or key pattern.</param>
/// <param name="SourceKey">The record's key in its collection.</param>
/// <param name="Excerpt">The first characters of the text that was embedded.</param>
public sealed record MemoryGlimpse(string Source, string Collection, string SourceKey, string Excerpt);

/// <summary>Throughput of one stage over time.</summary>
/// <param name="Stage">extract, embed or load.</param>
/// <param name="Points">Records per second in consecutive intervals, by seconds since the first part of any stage.</param>
public sealed record ThroughputSeries(string Stage, IReadOnlyList<ThroughputPoint> Points);

/// <summary>Records completed per second in the interval ending at <paramref name="Seconds"/>.</summary>
public sealed record ThroughputPoint(double Seconds, double RecordsPerSecond);
