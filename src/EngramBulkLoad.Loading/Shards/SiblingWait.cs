using System.Globalization;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Loading.Shards;

/// <summary>
/// Waits, polling the siblings' manifests, until every sibling shard's memories are loaded, so that this
/// shard's edges into them can become associations. Shards are separate processes (pods sharing the
/// snapshot volume), so the manifests are the only way to see each other. The wait is bounded: after
/// the timeout it stops with an error that names each shard still missing and what it lacks.
/// </summary>
internal sealed class SiblingWait(SiblingShards shards, TimeProvider time, TimeSpan timeout, TimeSpan pollInterval, Action<string?> report)
{
    /// <summary>
    /// Returns every sibling's snapshot, opened for reading, once all are ready; the caller disposes them.
    /// Reports what it waits for before each pause, and null once the wait is over.
    /// </summary>
    /// <param name="own">This shard's manifest.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public async Task<IReadOnlyList<SnapshotStore>> WaitAsync(SnapshotManifest own, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var ready = new SortedDictionary<int, SnapshotStore>();
        try
        {
            while (true)
            {
                var missing = new List<SiblingStatus>();
                foreach (var sibling in shards.Siblings.Where(sibling => !ready.ContainsKey(sibling.Shard.Index)))
                {
                    var status = await SiblingStatus.ReadAsync(sibling, own, time, cancellationToken);
                    if (status.Snapshot is { } snapshot)
                    {
                        ready[sibling.Shard.Index] = snapshot;
                    }
                    else
                    {
                        missing.Add(status);
                    }
                }

                if (missing.Count == 0)
                {
                    report(null);
                    return [.. ready.Values];
                }

                var waited = time.GetElapsedTime(started);
                if (waited >= timeout)
                {
                    throw TimedOut(missing);
                }

                report(string.Create(CultureInfo.InvariantCulture,
                    $"shard {shards.Own}: associations wait for sibling shards' memories ({waited:hh\\:mm\\:ss} of {timeout:hh\\:mm\\:ss}): {Describe(missing)}"));
                var pause = timeout - waited < pollInterval ? timeout - waited : pollInterval;
                await Task.Delay(pause, time, cancellationToken);
            }
        }
        catch
        {
            foreach (var snapshot in ready.Values)
            {
                await snapshot.DisposeAsync();
            }

            throw;
        }
    }

    private SnapshotException TimedOut(List<SiblingStatus> missing)
    {
        var own = shards.Own;
        var shardsToRun = string.Join(", ", missing.Select(status => $"--shard {status.Sibling.Shard}"));
        return ErrorFactory.Snapshot(
            Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(shards.Siblings[0].Folder))!,
            string.Create(CultureInfo.InvariantCulture,
                $"shard {own} loaded its memories, but its associations need every sibling shard's memories in Engram (an edge may end in another shard), and after waiting {timeout:hh\\:mm\\:ss} these are not: {Describe(missing)}. "
                + $"Nothing is lost: this shard's memories are loaded and recorded. Run the missing shards on the same snapshot volume with the same config ({shardsToRun}), "
                + $"then run 'load --shard {own}' again: it skips the loaded memories and creates only the associations. To wait longer, raise --shard-wait (engram.shardWaitTimeout)."));
    }

    private static string Describe(List<SiblingStatus> missing)
        => string.Join("; ", missing.Select(status => $"shard {status.Sibling.Shard} ({status.Missing})"));
}
