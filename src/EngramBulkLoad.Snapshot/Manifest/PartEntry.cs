namespace EngramBulkLoad.Snapshot.Manifest;

/// <summary>
/// One part of one collection: up to a configured number of source records, with the files every
/// stage wrote for it, its state and its counts. Stages work part by part, and a part's state moves
/// forward only after the files of the next stage are complete (or, for load, after Engram acknowledged).
/// </summary>
public sealed class PartEntry
{
    /// <summary>The source's name.</summary>
    public required string Source { get; set; }

    /// <summary>Table, query, file or collection name.</summary>
    public required string Collection { get; set; }

    /// <summary>The part's index within its collection, from 0.</summary>
    public required int Index { get; set; }

    /// <summary>How far the part has gone.</summary>
    public PartState State { get; set; } = PartState.Extracted;

    /// <summary>The source position after this part (what the collection's cursor was set to).</summary>
    public string? Cursor { get; set; }

    /// <summary>
    /// The source position the part's reading started after (null: the collection's start). With <see cref="Cursor"/>
    /// it bounds the part's key range, which <c>extract --redo-damaged</c> reads again. Null in snapshots written
    /// before it was recorded: then the previous part's cursor is the start.
    /// </summary>
    public string? StartCursor { get; set; }

    /// <summary>The files each stage wrote for the part.</summary>
    public PartFiles Files { get; set; } = new();

    /// <summary>The part's counts per stage; they reconcile (see <see cref="PartCounts"/>).</summary>
    public PartCounts Counts { get; set; } = new();

    /// <summary>
    /// 0 for the first extraction of the collection; each backfill run (rows changed since the last
    /// watermark) adds parts with the next generation. A memory id found in parts of several generations
    /// is an update: the latest generation's record is the one Engram holds.
    /// </summary>
    public int Generation { get; set; }

    /// <summary>When the part's files were staged (UTC).</summary>
    public DateTimeOffset? ExtractedAt { get; set; }

    /// <summary>When the part's vectors were written (UTC).</summary>
    public DateTimeOffset? EmbeddedAt { get; set; }

    /// <summary>When Engram had answered every record of the part (UTC).</summary>
    public DateTimeOffset? LoadedAt { get; set; }
}

/// <summary>The states a part moves through, in order.</summary>
public enum PartState
{
    /// <summary>Records, edges and extract rejects are staged.</summary>
    Extracted = 1,

    /// <summary>Vectors (and embed rejects) are written.</summary>
    Embedded = 2,

    /// <summary>Engram acknowledged every record of the part (or it became a load reject).</summary>
    Loaded = 3,
}

/// <summary>Paths, relative to the snapshot folder, of the files a part has. A null path means the stage wrote no rows.</summary>
public sealed class PartFiles
{
    public PartFile? Records { get; set; }

    public PartFile? Edges { get; set; }

    public PartFile? ExtractRejects { get; set; }

    public PartFile? Vectors { get; set; }

    public PartFile? EmbedRejects { get; set; }

    public PartFile? LoadRejects { get; set; }

    /// <summary>Every file the part has, for checks and clean-up.</summary>
    public IEnumerable<PartFile> All()
    {
        PartFile?[] files = [Records, Edges, ExtractRejects, Vectors, EmbedRejects, LoadRejects];
        return files.Where(file => file is not null)!;
    }
}

/// <summary>A completed Parquet file of a part.</summary>
public sealed class PartFile
{
    /// <summary>Path relative to the snapshot folder, with '/' separators.</summary>
    public required string Path { get; set; }

    /// <summary>Rows in the file.</summary>
    public long Rows { get; set; }

    /// <summary>Size of the file in bytes.</summary>
    public long Bytes { get; set; }
}

/// <summary>
/// Counts of one part. Invariants: SourceRows = Staged + ExtractRejected + StandaloneEdges; Staged = Embedded +
/// EmbedRejected once embedded; Embedded = Loaded + LoadRejected once loaded.
/// </summary>
public sealed class PartCounts
{
    public long SourceRows { get; set; }

    public long Staged { get; set; }

    public long ExtractRejected { get; set; }

    public long Edges { get; set; }

    /// <summary>Source rows that were edges of their own (lines of an edges file), not records.</summary>
    public long StandaloneEdges { get; set; }

    public long? Embedded { get; set; }

    public long? EmbedRejected { get; set; }

    public long? Loaded { get; set; }

    public long? LoadRejected { get; set; }

    public long? Associations { get; set; }

    public long? AssociationsRejected { get; set; }

    /// <summary>
    /// Edges sent to the memory Engram holds in place of an end it merged away (engram.mergedEndpoints "remap"); not
    /// in <see cref="Associations"/>. Edges = associations + remapped + rejected. Null in manifests written before it existed (0).
    /// </summary>
    public long? AssociationsRemapped { get; set; }
}
