namespace EngramBulkLoad.Snapshot;

/// <summary>
/// Version and markers of the snapshot format (docs/snapshot-format.md). Every Parquet part carries
/// its kind and format version in the file's key-value metadata, so a reader can refuse a file that
/// belongs to another kind, another tool, or a newer format.
/// </summary>
public static class SnapshotFormat
{
    /// <summary>The format this build writes and the newest it reads.</summary>
    public const int Version = 1;

    /// <summary>File name of the manifest at the root of a snapshot folder.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>Parquet key-value metadata key holding the part kind (records, edges, rejects, vectors).</summary>
    public const string KindKey = "engram-bulkload.kind";

    /// <summary>Parquet key-value metadata key holding the format version.</summary>
    public const string VersionKey = "engram-bulkload.format";

    /// <summary>Parquet key-value metadata key holding the migration id, so a part cannot be mixed into another migration.</summary>
    public const string MigrationKey = "engram-bulkload.migration";
}
