using EngramBulkLoad.Records;

namespace EngramBulkLoad.Validation.Scan;

/// <summary>A loaded record chosen for the spot checks, with its vector once the vectors pass found it.</summary>
internal sealed class SampledRecord(StagedRecord record, int generation)
{
    public StagedRecord Record { get; set; } = record;

    /// <summary>The generation of the part the record came from; a later generation's copy replaces it.</summary>
    public int Generation { get; set; } = generation;

    public float[]? Vector { get; set; }

    public int VectorGeneration { get; set; } = -1;
}
