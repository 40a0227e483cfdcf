using EngramBulkLoad.Extraction;
using EngramBulkLoad.Loading;

namespace EngramBulkLoad.Pipeline;

/// <summary>What a run did, stage by stage.</summary>
public sealed record RunReport
{
    /// <summary>Counts per collection after extraction (this run and earlier ones).</summary>
    public required IReadOnlyList<CollectionCounts> Extracted { get; init; }

    /// <summary>What extraction wants the user to know (e.g. collections a backfill left alone, and why).</summary>
    public IReadOnlyList<string> ExtractNotes { get; init; } = [];

    /// <summary>Parts embedded by this run.</summary>
    public long PartsEmbedded { get; init; }

    /// <summary>Records embedded by the model in this run.</summary>
    public long RecordsEmbedded { get; init; }

    /// <summary>Records whose vector was reused (text unchanged, same model).</summary>
    public long RecordsReused { get; init; }

    /// <summary>Records rejected at embed in this run.</summary>
    public long EmbedRejected { get; init; }

    /// <summary>The load stage's report; null when the run stopped after the vectors.</summary>
    public LoadReport? Load { get; init; }

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; init; }
}
