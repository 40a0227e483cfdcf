using System.Diagnostics;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Loading;

/// <summary>
/// Removes what a migration loaded: every memory id of the snapshot's loaded and partly loaded parts is
/// forgotten with Forget(DELETE), a bounded number of calls in flight, and each part is set back to
/// Embedded once all its ids were forgotten. Only ids the snapshot holds are touched, so memories of
/// other migrations, or written by anything else, stay. Safe to re-run after an interruption.
/// </summary>
public static class Rollback
{
    /// <summary>Rolls back a migration with a client built from <paramref name="options"/>.</summary>
    public static async Task<RollbackReport> RunAsync(SnapshotStore snapshot, EngramOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var client = EngramClient.Create(options, time);
        return await RunAsync(snapshot, client, cancellationToken);
    }

    /// <summary>Rolls back a migration through an existing client.</summary>
    /// <param name="snapshot">The snapshot, opened for writing (part states are reset).</param>
    /// <param name="client">The Engram client (its memory space is the one cleaned).</param>
    /// <param name="cancellationToken">Stops the rollback; a re-run finishes it.</param>
    public static async Task<RollbackReport> RunAsync(SnapshotStore snapshot, EngramClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(client);
        var started = Stopwatch.GetTimestamp();
        await client.PreflightAsync(vectorDimension: null, cancellationToken);
        LoadTargets.EnsureRollbackTarget(snapshot, client.Options);
        var manifest = snapshot.ReadManifest();
        long ids = 0, removed = 0;
        var reset = 0;
        // Embedded parts are included: a load killed mid-part has written some of their records already.
        foreach (var part in manifest.Parts.Where(part => part.State is PartState.Embedded or PartState.Loaded))
        {
            var key = PartKey.Of(part);
            if (part.Files.Vectors is { } vectors)
            {
                await using var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, snapshot.FullPath(vectors.Path), snapshot.MigrationId, cancellationToken);
                var options = new ParallelOptions { MaxDegreeOfParallelism = client.Options.MaxUnaryCallsInFlight, CancellationToken = cancellationToken };
                await Parallel.ForEachAsync(reader.ReadAllAsync(cancellationToken), options, async (vector, token) =>
                {
                    Interlocked.Increment(ref ids);
                    Interlocked.Add(ref removed, await client.ForgetAsync(vector.MemoryId, token));
                });
            }

            // A partly loaded part's journal would otherwise make the next load skip rows just forgotten.
            ProgressJournal.Delete(snapshot, key);
            if (part.State == PartState.Loaded || part.Counts.Associations is not null)
            {
                var rejectsFile = part.Files.LoadRejects;
                await snapshot.UpdateAsync(
                    m =>
                    {
                        // A part without records has nothing to embed; it stays Loaded but its associations are to be made again.
                        LoadTargets.ForgetLoad(key.Find(m));
                    },
                    cancellationToken);
                if (rejectsFile is not null)
                {
                    File.Delete(snapshot.FullPath(rejectsFile.Path));
                }

                reset++;
            }
        }

        // Nothing of the migration is left in the target: a later load may go anywhere.
        await snapshot.UpdateAsync(m => m.LoadTarget = LoadState.Any(m) ? m.LoadTarget : null, cancellationToken);
        return new RollbackReport(snapshot.MigrationId, ids, removed, ids - removed, reset, Stopwatch.GetElapsedTime(started));
    }
}
