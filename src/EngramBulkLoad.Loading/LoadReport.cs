using EngramBulkLoad.Engram;

namespace EngramBulkLoad.Loading;

/// <summary>
/// What a load did and where the snapshot stands. Per source, over all loaded parts of the snapshot
/// (this run's and earlier runs'): embedded = loaded + rejected. Every reject is in the parts' load
/// rejects files with its reason.
/// </summary>
public sealed class LoadReport
{
    /// <summary>The migration loaded.</summary>
    public required string MigrationId { get; init; }

    /// <summary>What the preflight found.</summary>
    public required PreflightReport Preflight { get; init; }

    /// <summary>Parts this run loaded (memories), in completion order.</summary>
    public required IReadOnlyList<PartLoadResult> Parts { get; init; }

    /// <summary>Totals per source over every loaded part of the snapshot.</summary>
    public required IReadOnlyList<SourceLoadTotals> Sources { get; init; }

    /// <summary>Parts skipped because an earlier run had loaded them.</summary>
    public int PartsAlreadyLoaded { get; init; }

    /// <summary>Parts not loaded because they are not embedded yet (run embed first).</summary>
    public int PartsNotEmbedded { get; init; }

    /// <summary>True when associations were not loaded because some parts are not loaded yet.</summary>
    public bool AssociationsPending { get; init; }

    /// <summary>Records Engram acknowledged in this run.</summary>
    public long RecordsLoaded { get; init; }

    /// <summary>Records rejected in this run.</summary>
    public long RecordsRejected { get; init; }

    /// <summary>Associations created in this run between the edge's own ends.</summary>
    public long AssociationsLoaded { get; init; }

    /// <summary>Associations created in this run to the memory Engram holds in place of a merged end (engram.mergedEndpoints "remap").</summary>
    public long AssociationsRemapped { get; init; }

    /// <summary>Edges rejected in this run (missing end, end merged by Engram, or refused by Engram).</summary>
    public long AssociationsRejected { get; init; }

    /// <summary>Batches sent in this run.</summary>
    public long Batches { get; init; }

    /// <summary>Retries after transient failures.</summary>
    public long Retries { get; init; }

    /// <summary>Records sent alone after they ended a stream.</summary>
    public long Isolations { get; init; }

    /// <summary>Times the loader waited for Engram's memory pressure to drop.</summary>
    public long PressurePauses { get; init; }

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>True when every source satisfies embedded = loaded + rejected.</summary>
    public bool Reconciles => Sources.All(source => source.Reconciles);
}

/// <summary>One part loaded in this run.</summary>
public sealed record PartLoadResult(string Source, string Collection, int Index, long Embedded, long Loaded, long Rejected);

/// <summary>Totals of one source over the snapshot's loaded parts.</summary>
public sealed record SourceLoadTotals(string Source, long Embedded, long Loaded, long Rejected, long Associations, long AssociationsRejected, long AssociationsRemapped)
{
    /// <summary>embedded = loaded + rejected.</summary>
    public bool Reconciles => Embedded == Loaded + Rejected;
}

/// <summary>Progress of a load, reported after each batch and part.</summary>
/// <param name="RecordsLoaded">Records acknowledged so far in this run.</param>
/// <param name="RecordsRejected">Records rejected so far in this run.</param>
/// <param name="PartsLoaded">Parts completed so far in this run.</param>
/// <param name="PartsTotal">Parts this run has taken up so far (in a pipelined run, more arrive as earlier stages finish them).</param>
public readonly record struct LoadProgress(long RecordsLoaded, long RecordsRejected, int PartsLoaded, int PartsTotal)
{
    /// <summary>What the load waits for now (a shard's associations wait for its sibling shards); null when it is not waiting.</summary>
    public string? Waiting { get; init; }
}
