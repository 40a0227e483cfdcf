using EngramBulkLoad.Records;

namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>The codecs of the four part kinds; their schemas are documented in docs/snapshot-format.md.</summary>
public static class PartCodecs
{
    /// <summary>records/: one row per staged source record.</summary>
    public static PartCodec<StagedRecord> Records { get; } = new RecordCodec();

    /// <summary>edges/: one row per staged relationship.</summary>
    public static PartCodec<StagedEdge> Edges { get; } = new EdgeCodec();

    /// <summary>rejects/: one row per rejected record or edge, with its reason.</summary>
    public static PartCodec<RejectRecord> Rejects { get; } = new RejectCodec();

    /// <summary>vectors/: one row per embedded record.</summary>
    public static PartCodec<StagedVector> Vectors { get; } = new VectorCodec();
}
