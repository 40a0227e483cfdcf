using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Loading;

/// <summary>Reads and writes a part's load rejects file (rejects/load/SOURCE/COLLECTION/part-NNNNN.parquet).</summary>
internal static class RejectFiles
{
    /// <summary>Writes the rejects (replacing any earlier file); returns null when there are none.</summary>
    public static async Task<PartFile?> WriteAsync(SnapshotStore snapshot, PartKey part, IEnumerable<RejectRecord> rejects, CancellationToken cancellationToken)
    {
        var relative = SnapshotLayout.PartPath(PartKind.Rejects, part.Source, part.Collection, part.Index, PipelineStage.Load);
        PartFileWriter<RejectRecord>? writer = null;
        try
        {
            foreach (var reject in rejects)
            {
                writer ??= await PartFileWriter<RejectRecord>.CreateAsync(PartCodecs.Rejects, snapshot.FullPath(relative), snapshot.MigrationId, cancellationToken);
                await writer.WriteAsync(reject, cancellationToken);
            }

            return writer is null ? null : await writer.CompleteAsync(relative, cancellationToken);
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }
        }
    }

    /// <summary>The rejects a part's load rejects file holds; empty when it has none.</summary>
    public static async Task<List<RejectRecord>> ReadAsync(SnapshotStore snapshot, PartEntry part, CancellationToken cancellationToken)
    {
        var rejects = new List<RejectRecord>();
        if (part.Files.LoadRejects is not { } file)
        {
            return rejects;
        }

        await using var reader = await PartFileReader<RejectRecord>.OpenAsync(PartCodecs.Rejects, snapshot.FullPath(file.Path), snapshot.MigrationId, cancellationToken);
        await foreach (var reject in reader.ReadAllAsync(cancellationToken))
        {
            rejects.Add(reject);
        }

        return rejects;
    }

    /// <summary>True for a reject of an edge (its id is an edge id), false for one of a memory.</summary>
    public static bool IsEdgeReject(RejectRecord reject)
        => reject.MemoryId?.StartsWith(Identity.MemoryIdentity.EdgePrefix, StringComparison.Ordinal) == true;
}
