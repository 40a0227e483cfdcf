using System.Collections.Concurrent;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Loading.Shards;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Loading;

/// <summary>
/// The association phase: once every part is loaded, each part's edges become Associate calls (a
/// bounded number in flight). An edge whose end is not a loaded memory (never staged, rejected at any
/// stage) becomes a reject naming both ends. Each edge's outcome is saved in the part's journal as soon as
/// Engram answered, so a killed run creates no association twice beyond the calls in flight (repeating an
/// Associate may strengthen an association). A part's association counts and its rejects file are saved
/// in one manifest update; a part with counts set is done and skipped by later runs. A shard's edges may
/// end in a sibling shard's records, so a shard first waits until every sibling's memories are loaded
/// and counts them as loaded too (<see cref="SiblingWait"/>); each edge is still created once, by the
/// shard whose part holds it. An edge whose end Engram merged into a near-duplicate is remapped to the memory
/// held or rejected (<see cref="MergedEndpoints"/>), and counted apart from plain associations.
/// </summary>
/// <param name="snapshot">The snapshot, opened for writing.</param>
/// <param name="client">The Engram client; its options bound the wait for sibling shards.</param>
/// <param name="time">The clock of the wait.</param>
/// <param name="waiting">Told what the wait for sibling shards waits for, and null when it is over.</param>
internal sealed class AssociationRun(SnapshotStore snapshot, EngramClient client, TimeProvider time, Action<string?> waiting)
{
    private long _created;
    private long _remapped;
    private long _rejected;

    public long Created => Interlocked.Read(ref _created);

    /// <summary>Associations sent to the memory Engram holds in place of a merged end (not in <see cref="Created"/>).</summary>
    public long Remapped => Interlocked.Read(ref _remapped);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <returns>True when associations had to wait because some parts are not loaded yet.</returns>
    public async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        var manifest = snapshot.ReadManifest();
        if (manifest.Parts.Any(part => part.State != PartState.Loaded))
        {
            return true;
        }

        var todo = manifest.Parts.Where(part => part.Files.Edges is not null && part.Counts.Associations is null).ToList();
        if (todo.Count == 0)
        {
            return false;
        }

        var loaded = await LoadedIdsAsync(manifest, cancellationToken);
        waiting("near-duplicate analysis (edges to memories Engram merged)");
        var merged = await MergedEndpoints.PredictAsync(snapshot, manifest, client.Options, time, cancellationToken);
        waiting(null);
        var mapper = new AssociationMapper(client.Options);
        foreach (var part in todo)
        {
            await LoadPartAsync(part, loaded, mapper, merged, cancellationToken);
        }

        return false;
    }

    /// <summary>
    /// The memories this snapshot loaded and, for a shard, those every sibling shard loaded (after waiting for
    /// them). Held as 128-bit numbers (<see cref="MemoryIdSet"/>), so the set fits for tens of millions of records.
    /// </summary>
    private async Task<MemoryIdSet> LoadedIdsAsync(SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var ids = new MemoryIdSet();
        if (SiblingShards.Find(snapshot.Folder, manifest) is { } shards)
        {
            var wait = new SiblingWait(shards, time, client.Options.ShardWaitTimeout, client.Options.ShardPollInterval, waiting);
            var siblings = await wait.WaitAsync(manifest, cancellationToken);
            try
            {
                // Memory ids are deterministic and each record is in one shard only, so a sibling's ids are
                // exactly the memories it wrote, and the sets of two shards never overlap.
                foreach (var sibling in siblings)
                {
                    await AddLoadedAsync(sibling, sibling.ReadManifest(), ids, cancellationToken);
                }
            }
            finally
            {
                foreach (var sibling in siblings)
                {
                    await sibling.DisposeAsync();
                }
            }
        }

        await AddLoadedAsync(snapshot, manifest, ids, cancellationToken);
        return ids;
    }

    /// <summary>Adds the ids of a snapshot's vectors less its memory rejects at load, part by part in manifest order (a later generation decides).</summary>
    private static async Task AddLoadedAsync(SnapshotStore source, SnapshotManifest manifest, MemoryIdSet ids, CancellationToken cancellationToken)
    {
        foreach (var part in manifest.Parts.Where(part => part.Files.Vectors is not null))
        {
            await using (var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, source.FullPath(part.Files.Vectors!.Path), source.MigrationId, cancellationToken))
            {
                // The ids only: decoding every vector (3 KB a row) just to read its 37-character id would be wasted work.
                for (var group = 0; group < reader.RowGroupCount; group++)
                {
                    foreach (var id in await reader.ReadStringColumnAsync(group, VectorColumns.MemoryId, cancellationToken))
                    {
                        ids.Add(id!);
                    }
                }
            }

            foreach (var reject in await RejectFiles.ReadAsync(source, part, cancellationToken))
            {
                if (!RejectFiles.IsEdgeReject(reject) && reject.MemoryId is { } id)
                {
                    ids.Remove(id);
                }
            }
        }
    }

    /// <summary>
    /// Creates one part's associations, each edge's outcome saved in the part's journal once Engram answered
    /// (ack-then-commit, shared saves), and a call's slot freed only after that: a kill re-sends at most the
    /// calls in flight, <see cref="EngramOptions.MaxUnaryCallsInFlight"/>. The part's counts and rejects file
    /// are saved in one manifest update at the end, then the journal is deleted.
    /// </summary>
    private async Task LoadPartAsync(PartEntry part, MemoryIdSet loaded, AssociationMapper mapper, MergedEndpoints merged, CancellationToken cancellationToken)
    {
        var key = PartKey.Of(part);
        var rejects = new ConcurrentQueue<RejectRecord>();
        long created;
        long remapped;
        await using (var journal = await ProgressJournal.OpenAsync(snapshot, ProgressJournal.Phases.Associate, key, part.Files.Edges!, cancellationToken))
        {
            foreach (var reject in journal.RejectsBefore)
            {
                rejects.Enqueue(reject);
            }

            created = journal.AcknowledgedBefore - journal.RemappedBefore;
            remapped = journal.RemappedBefore;
            await using var reader = await PartFileReader<StagedEdge>.OpenAsync(PartCodecs.Edges, snapshot.FullPath(part.Files.Edges!.Path), snapshot.MigrationId, cancellationToken);
            var options = new ParallelOptions { MaxDegreeOfParallelism = client.Options.MaxUnaryCallsInFlight, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Pending(reader.ReadAllAsync(cancellationToken), journal), options, async (item, token) =>
            {
                var (row, edge) = item;
                var decision = MissingEnd(edge, loaded) is { } missing
                    ? new EdgeDecision(null, RejectCodes.MissingEndpoint, missing)
                    : merged.Decide(edge, mapper.Map(edge));
                RejectRecord? reject = null;
                if (decision.Request is null)
                {
                    reject = Reject(part, edge, decision.RejectCode!, decision.Message!);
                }
                else if (await client.AssociateAsync(decision.Request, token) is { } refusal)
                {
                    reject = Reject(part, edge, RejectCodes.EngramRejected, refusal);
                }

                await journal.CommitAsync(JournalEntry.ForRow(row, reject is null, reject, reject is null && decision.Remapped), token);
                if (reject is null && decision.Remapped)
                {
                    Interlocked.Increment(ref remapped);
                }
                else if (reject is null)
                {
                    Interlocked.Increment(ref created);
                }
                else
                {
                    rejects.Enqueue(reject);
                }
            });
        }

        // The part's rejects file already holds its memory rejects; edge rejects of an earlier,
        // interrupted attempt are dropped so that a re-run does not count them twice.
        var memoryRejects = (await RejectFiles.ReadAsync(snapshot, part, cancellationToken)).Where(reject => !RejectFiles.IsEdgeReject(reject));
        var edgeRejects = rejects.OrderBy(reject => reject.MemoryId, StringComparer.Ordinal).ToList();
        var file = await RejectFiles.WriteAsync(snapshot, key, memoryRejects.Concat(edgeRejects), cancellationToken);
        await snapshot.UpdateAsync(
            manifest =>
            {
                var entry = key.Find(manifest);
                entry.Counts.Associations = created;
                entry.Counts.AssociationsRemapped = remapped;
                entry.Counts.AssociationsRejected = edgeRejects.Count;
                entry.Files.LoadRejects = file;
            },
            cancellationToken);
        ProgressJournal.Delete(snapshot, ProgressJournal.Phases.Associate, key);
        Interlocked.Add(ref _created, created);
        Interlocked.Add(ref _remapped, remapped);
        Interlocked.Add(ref _rejected, edgeRejects.Count);
    }

    /// <summary>The edges with their row position, less those an earlier run's journal settled.</summary>
    private static async IAsyncEnumerable<(long Row, StagedEdge Edge)> Pending(IAsyncEnumerable<StagedEdge> edges, ProgressJournal journal)
    {
        long row = -1;
        await foreach (var edge in edges)
        {
            row++;
            if (!journal.Done[(int)row])
            {
                yield return (row, edge);
            }
        }
    }

    private static string? MissingEnd(StagedEdge edge, MemoryIdSet loaded)
    {
        var from = loaded.Contains(edge.FromMemoryId);
        var to = loaded.Contains(edge.ToMemoryId);
        return (from, to) switch
        {
            (true, true) => null,
            (false, true) => $"the edge's origin {edge.FromDescription} ({edge.FromMemoryId}) is not a loaded memory (never staged, or rejected at extract, embed or load); its target {edge.ToDescription} is loaded.",
            (true, false) => $"the edge's target {edge.ToDescription} ({edge.ToMemoryId}) is not a loaded memory (never staged, or rejected at extract, embed or load); its origin {edge.FromDescription} is loaded.",
            _ => $"neither end is a loaded memory: origin {edge.FromDescription} ({edge.FromMemoryId}), target {edge.ToDescription} ({edge.ToMemoryId}).",
        };
    }

    private static RejectRecord Reject(PartEntry part, StagedEdge edge, string code, string message)
        => new(PipelineStage.Load, part.Source, part.Collection, $"edge {edge.Relation}: {edge.FromDescription} -> {edge.ToDescription}", null, edge.EdgeId, code, message);
}
