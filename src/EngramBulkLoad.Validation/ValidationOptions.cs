using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Validation;

/// <summary>How a validation samples and what it tolerates. Every default is stated on its property; <see cref="Validate"/> checks them.</summary>
public sealed class ValidationOptions
{
    /// <summary>Loaded records recalled from Engram by their own vector, chosen at random (seeded). 0 turns the recall check off. Default 200.</summary>
    public int SampleSize { get; set; } = 200;

    /// <summary>
    /// Recall every loaded record by its own vector (<c>validate --recall all</c>), not only the sample, so that a
    /// single lost memory is named. Default false.
    /// </summary>
    public bool RecallAll { get; set; }

    /// <summary>Told (records recalled, records to recall) while <see cref="RecallAll"/> runs; may be null.</summary>
    public Action<long, long>? RecallProgress { get; set; }

    /// <summary>A sampled record must come back among this many results. 1 to 1000; default 10.</summary>
    public int TopK { get; set; } = 10;

    /// <summary>Seed of the sample, so a re-run checks the same records. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Largest tolerated |norm - 1| of an embedding. Default 0.001.</summary>
    public double NormTolerance { get; set; } = 1e-3;

    /// <summary>Offending items listed per check at most. Default 20.</summary>
    public int MaxExamples { get; set; } = 20;

    /// <summary>Recall calls in flight at once, 1 to 64. Default 8.</summary>
    public int RecallConcurrency { get; set; } = 8;

    /// <summary>
    /// True when the memory space holds other data than this migration: more memories than expected is then a
    /// warning, not a failure (fewer is always a failure). Default false.
    /// </summary>
    public bool SharedSpace { get; set; }

    /// <summary>
    /// How near-duplicates are found (threshold 0.95 and Engram's KeepHighestConfidence by default). When its
    /// <see cref="NearDuplicateOptions.ConfidenceBySource"/> is empty and an Engram client is given, the validator
    /// uses the client's options instead (the confidences the loader sent, and strategy None when its
    /// <c>deduplication</c> is "none").
    /// </summary>
    public NearDuplicateOptions NearDuplicates { get; set; } = new();

    /// <summary>
    /// False for a snapshot that was meant to stop after the vectors (run --no-load, a demo without
    /// Engram): parts not loaded and edges not yet associations are then the expected state, not failures.
    /// </summary>
    public bool ExpectLoaded { get; set; } = true;

    /// <summary>Checks every value; throws <see cref="ArgumentOutOfRangeException"/> naming the first wrong one.</summary>
    public ValidationOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(SampleSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SampleSize, 100_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(TopK, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TopK, 1000);
        if (!(NormTolerance > 0 && NormTolerance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(NormTolerance), NormTolerance, "The norm tolerance is a small positive number such as 0.001.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxExamples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(RecallConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RecallConcurrency, 64);
        ArgumentNullException.ThrowIfNull(NearDuplicates);
        NearDuplicates.Validate();
        return this;
    }
}
