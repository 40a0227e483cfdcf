using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Loading;

/// <summary>
/// The load stage: every embedded part of a snapshot is joined with its records, mapped, and sent to
/// Engram in batches, a bounded number in flight; a part becomes Loaded (with its counts and rejects
/// file, in one manifest save) only after Engram answered every record of it. Within a part, each answered
/// batch is saved in the part's <see cref="ProgressJournal"/> before its slot is freed, so a killed load resumes
/// by sending only the batches that were in flight (at most maxBatchesInFlight × batchSize records), under the
/// same deterministic ids (see README.md). Then, once every part is loaded, associations are created for the edges.
/// </summary>
public static class LoadStage
{
    /// <summary>Loads a snapshot into Engram with a client built from <paramref name="options"/>.</summary>
    /// <param name="snapshot">The snapshot, opened for writing.</param>
    /// <param name="options">Validated Engram options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="progress">Receives progress after each batch; may be null.</param>
    /// <param name="cancellationToken">Stops the load; what was acknowledged is saved.</param>
    public static async Task<LoadReport> RunAsync(SnapshotStore snapshot, EngramOptions options, TimeProvider time, IProgress<LoadProgress>? progress, CancellationToken cancellationToken)
    {
        await using var client = EngramClient.Create(options, time);
        return await RunAsync(snapshot, client, time, progress, cancellationToken);
    }

    /// <summary>Loads a snapshot into Engram through an existing client.</summary>
    /// <param name="snapshot">The snapshot, opened for writing.</param>
    /// <param name="client">The Engram client.</param>
    /// <param name="time">The clock.</param>
    /// <param name="progress">Receives progress after each batch; may be null.</param>
    /// <param name="cancellationToken">Stops the load; what was acknowledged is saved.</param>
    public static Task<LoadReport> RunAsync(SnapshotStore snapshot, EngramClient client, TimeProvider time, IProgress<LoadProgress>? progress, CancellationToken cancellationToken)
        => RunAsync(snapshot, client, time, progress, incoming: null, cancellationToken);

    /// <summary>
    /// Loads the parts the snapshot has ready now, then each part <paramref name="incoming"/> yields as
    /// an earlier stage finishes it (the <c>run</c> pipeline), then the associations once every part is loaded.
    /// </summary>
    /// <param name="snapshot">The snapshot, opened for writing.</param>
    /// <param name="client">The Engram client.</param>
    /// <param name="time">The clock.</param>
    /// <param name="progress">Receives progress after each batch; may be null.</param>
    /// <param name="incoming">Parts that become loadable while the load runs; null when the snapshot is complete.</param>
    /// <param name="cancellationToken">Stops the load; what was acknowledged is saved.</param>
    public static async Task<LoadReport> RunAsync(
        SnapshotStore snapshot, EngramClient client, TimeProvider time, IProgress<LoadProgress>? progress, IAsyncEnumerable<PartEntry>? incoming, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        if (!snapshot.IsWritable)
        {
            throw new ArgumentException("Open the snapshot for writing: the load saves each part's state.", nameof(snapshot));
        }

        var started = Stopwatch.GetTimestamp();
        var manifest = snapshot.ReadManifest();
        var preflight = await client.PreflightAsync(manifest.Model?.Dimension, cancellationToken);
        await LoadTargets.EnsureAsync(snapshot, client.Options, cancellationToken);
        ProgressJournal.DeleteSettled(snapshot, manifest);

        var run = new MemoryRun(snapshot, client, new MemoryMapper(client.Options, snapshot.MigrationId, time.GetUtcNow()), progress);
        await run.LoadAsync(PartsToLoad(manifest, incoming, cancellationToken), cancellationToken);

        var associations = new AssociationRun(snapshot, client, time, run.Report);
        var pending = await associations.LoadAsync(cancellationToken);

        var final = snapshot.ReadManifest();
        return new LoadReport
        {
            MigrationId = snapshot.MigrationId,
            Preflight = preflight,
            Parts = [.. run.Completed],
            Sources = Totals(final),
            PartsAlreadyLoaded = manifest.Parts.Count(part => part.State == PartState.Loaded),
            PartsNotEmbedded = final.Parts.Count(part => part.State != PartState.Loaded),
            AssociationsPending = pending,
            RecordsLoaded = run.RecordsLoaded,
            RecordsRejected = run.RecordsRejected,
            AssociationsLoaded = associations.Created,
            AssociationsRemapped = associations.Remapped,
            AssociationsRejected = associations.Rejected,
            Batches = run.Batches,
            Retries = client.Retries,
            Isolations = client.Isolations,
            PressurePauses = client.PressurePauses,
            Elapsed = Stopwatch.GetElapsedTime(started),
        };
    }

    /// <summary>
    /// Embedded parts, and extracted parts that have no records at all (edges-only parts, which the
    /// embed stage has nothing to do for).
    /// </summary>
    internal static bool IsLoadable(PartEntry part)
        => part.State == PartState.Embedded || (part.State == PartState.Extracted && part.Files.Records is null);

    /// <summary>The loadable parts of the manifest, then the incoming ones (each once).</summary>
    private static async IAsyncEnumerable<PartKey> PartsToLoad(
        SnapshotManifest manifest, IAsyncEnumerable<PartEntry>? incoming, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<PartKey>();
        foreach (var part in manifest.Parts.Where(IsLoadable))
        {
            seen.Add(PartKey.Of(part));
            yield return PartKey.Of(part);
        }

        if (incoming is null)
        {
            yield break;
        }

        await foreach (var part in incoming.WithCancellation(cancellationToken))
        {
            if (IsLoadable(part) && seen.Add(PartKey.Of(part)))
            {
                yield return PartKey.Of(part);
            }
        }
    }

    private static List<SourceLoadTotals> Totals(SnapshotManifest manifest)
        => [.. manifest.Parts
            .Where(part => part.State == PartState.Loaded)
            .GroupBy(part => part.Source, StringComparer.Ordinal)
            .Select(group => new SourceLoadTotals(
                group.Key,
                group.Sum(part => part.Counts.Embedded ?? 0),
                group.Sum(part => part.Counts.Loaded ?? 0),
                group.Sum(part => part.Counts.LoadRejected ?? 0),
                group.Sum(part => part.Counts.Associations ?? 0),
                group.Sum(part => part.Counts.AssociationsRejected ?? 0),
                group.Sum(part => part.Counts.AssociationsRemapped ?? 0)))
            .OrderBy(totals => totals.Source, StringComparer.Ordinal)];

    /// <summary>One run of the memory phase: a reader producing batches and a bounded block sending them.</summary>
    private sealed class MemoryRun(SnapshotStore snapshot, EngramClient client, MemoryMapper mapper, IProgress<LoadProgress>? progress)
    {
        private int _partsSeen;
        private readonly List<PartTracker> _trackers = [];

        private readonly List<PartLoadResult> _completed = [];
        private long _recordsLoaded;
        private long _recordsRejected;
        private long _batches;

        public IReadOnlyList<PartLoadResult> Completed
        {
            get
            {
                lock (_completed)
                {
                    return [.. _completed];
                }
            }
        }

        public long RecordsLoaded => Interlocked.Read(ref _recordsLoaded);

        public long RecordsRejected => Interlocked.Read(ref _recordsRejected);

        public long Batches => Interlocked.Read(ref _batches);

        public async Task LoadAsync(IAsyncEnumerable<PartKey> parts, CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var inFlight = client.Options.MaxBatchesInFlight;
            var send = new ActionBlock<PartBatch>(
                async batch =>
                {
                    try
                    {
                        await SendAsync(batch, stop.Token);
                    }
                    catch
                    {
                        // One failed batch stops the run: the other batches in flight are abandoned (their parts stay
                        // unfinished; the next run sends again only the rows their journals do not hold).
                        await stop.CancelAsync();
                        throw;
                    }
                },
                new ExecutionDataflowBlockOptions
                {
                    MaxDegreeOfParallelism = inFlight,
                    // One batch waiting per sender keeps the senders busy while memory stays bounded.
                    BoundedCapacity = inFlight * 2,
                    EnsureOrdered = false,
                });
            try
            {
                // Parts are read one at a time (reading two at once measured no faster on 2 cores, and
                // doubles the records held in memory).
                var generation = 0;
                var partsInFlight = new List<PartTracker>();
                await foreach (var part in parts.WithCancellation(stop.Token))
                {
                    // A later generation (a backfill) may hold new versions of records an earlier part holds:
                    // its batches must not race the earlier ones, or the old version could land last.
                    var entry = part.Find(snapshot.ReadManifest());
                    if (entry.Generation != generation)
                    {
                        await Task.WhenAny(Task.WhenAll(partsInFlight.Select(tracker => tracker.Done)), send.Completion);
                        partsInFlight.Clear();
                        generation = entry.Generation;
                    }

                    Interlocked.Increment(ref _partsSeen);
                    var tracker = await ProduceAsync(entry, send, stop.Token);
                    partsInFlight.Add(tracker);
                    _trackers.Add(tracker);
                }
            }
            catch
            {
                await stop.CancelAsync();
                send.Complete();
                await send.Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await CloseJournalsAsync();
                if (send.Completion.IsFaulted && !cancellationToken.IsCancellationRequested)
                {
                    // The sender failed first and the reader only saw the consequence: report the cause.
                    await send.Completion;
                }

                throw;
            }

            send.Complete();
            try
            {
                await send.Completion;
            }
            finally
            {
                await CloseJournalsAsync();
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        /// <summary>Closes the journals of parts a failed or cancelled run leaves unfinished (finished parts closed theirs).</summary>
        private async Task CloseJournalsAsync()
        {
            foreach (var tracker in _trackers)
            {
                if (tracker.Journal is { } journal)
                {
                    await journal.DisposeAsync();
                }
            }
        }

        private async Task<PartTracker> ProduceAsync(PartEntry part, ActionBlock<PartBatch> send, CancellationToken cancellationToken)
        {
            var key = PartKey.Of(part);
            var journal = part.Files.Vectors is { } tracked ? await ProgressJournal.OpenAsync(snapshot, ProgressJournal.Phases.Load, key, tracked, cancellationToken) : null;
            var tracker = new PartTracker(key, part.Files.Vectors?.Rows ?? 0, journal);
            if (part.Files.Vectors is { } vectorsFile && journal is not null)
            {
                await using var records = await PartRecords.OpenAsync(snapshot, part, cancellationToken);
                await using var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, snapshot.FullPath(vectorsFile.Path), snapshot.MigrationId, cancellationToken);
                var batchSize = client.Options.BatchSize;
                var batch = new PendingBatch(batchSize);
                long row = -1;
                for (var group = 0; group < reader.RowGroupCount; group++)
                {
                    foreach (var vector in await reader.ReadRowGroupAsync(group, cancellationToken))
                    {
                        row++;
                        if (journal.Done[(int)row])
                        {
                            // Engram answered this row in an earlier run (the journal says so): not sent again.
                            continue;
                        }

                        batch.Rows.Add(row);
                        var record = await records.FindAsync(vector.MemoryId, cancellationToken);
                        if (Map(part, batch.Rejected, record, vector) is not { } write)
                        {
                            continue;
                        }

                        batch.Writes.Add(write);
                        if (batch.Writes.Count == batchSize)
                        {
                            await PostAsync(send, tracker, batch, cancellationToken);
                            batch = new PendingBatch(batchSize);
                        }
                    }
                }

                if (batch.Writes.Count > 0)
                {
                    await PostAsync(send, tracker, batch, cancellationToken);
                }
                else if (batch.Rows.Count > 0)
                {
                    // Only rejected rows left: nothing to send, their outcome is saved at once.
                    await journal.CommitAsync(JournalEntry.ForRows(batch.Rows, 0, batch.Rejected), cancellationToken);
                    foreach (var reject in batch.Rejected)
                    {
                        tracker.Rejects.Enqueue(reject);
                    }
                }
            }

            if (tracker.Release())
            {
                await CompletePartAsync(tracker, cancellationToken);
            }

            return tracker;
        }

        /// <summary>Maps one vector with its record; a record that cannot be sent is rejected here, before sending.</summary>
        private MemoryWrite? Map(PartEntry part, List<RejectRecord> rejects, StagedRecord? record, StagedVector vector)
        {
            if (record is null)
            {
                Interlocked.Increment(ref _recordsRejected);
                rejects.Add(new RejectRecord(
                    PipelineStage.Load, part.Source, part.Collection, $"part {part.Index}", null, vector.MemoryId, RejectCodes.Malformed,
                    $"the vectors file has memory '{vector.MemoryId}' but the part's records file does not. The snapshot was changed by hand or the embed stage is broken; re-run embed for this part."));
                return null;
            }

            var write = mapper.Map(record, vector, out var reject);
            if (write is null)
            {
                Interlocked.Increment(ref _recordsRejected);
                rejects.Add(reject!);
                return null;
            }

            return write;
        }

        private static async Task PostAsync(ActionBlock<PartBatch> send, PartTracker tracker, PendingBatch batch, CancellationToken cancellationToken)
        {
            tracker.AddBatch();
            if (!await send.SendAsync(new PartBatch(tracker, batch.Writes, batch.Rows, batch.Rejected), cancellationToken))
            {
                throw new InvalidOperationException("The sender stopped accepting batches.");
            }
        }

        private async Task SendAsync(PartBatch batch, CancellationToken cancellationToken)
        {
            await client.WaitForCapacityAsync(cancellationToken);
            var result = await client.RememberBatchAsync(batch.Writes, cancellationToken);
            Interlocked.Increment(ref _batches);
            // Ack-then-commit: Engram answered every record of the batch; saving that is what keeps a resume from
            // sending them again. A kill before this line re-sends the batch, which is the in-flight bound.
            var rejects = batch.Rejected.Concat(result.Rejects).ToList();
            await batch.Part.Journal!.CommitAsync(JournalEntry.ForRows(batch.Rows, result.Acknowledged, rejects), cancellationToken);
            batch.Part.Acknowledged(result.Acknowledged);
            foreach (var reject in rejects)
            {
                batch.Part.Rejects.Enqueue(reject);
            }

            Interlocked.Add(ref _recordsLoaded, result.Acknowledged);
            Interlocked.Add(ref _recordsRejected, result.Rejects.Count);
            Report();
            if (batch.Part.Release())
            {
                await CompletePartAsync(batch.Part, cancellationToken);
            }
        }

        /// <summary>Writes the part's rejects file and marks it Loaded with its counts, in one manifest save.</summary>
        private async Task CompletePartAsync(PartTracker part, CancellationToken cancellationToken)
        {
            var rejects = part.Rejects.ToList();
            if (part.Loaded + rejects.Count != part.Embedded)
            {
                throw ErrorFactory.Snapshot(snapshot.Folder, $"part {part.Key}: {part.Embedded} vectors but {part.Loaded} loaded and {rejects.Count} rejected. This is a bug in the loader; nothing was marked loaded for this part.");
            }

            var file = await RejectFiles.WriteAsync(snapshot, part.Key, rejects, cancellationToken);
            await snapshot.UpdateAsync(
                manifest =>
                {
                    var entry = part.Key.Find(manifest);
                    entry.State = PartState.Loaded;
                    entry.LoadedAt = snapshot.Now;
                    entry.Counts.Embedded ??= part.Embedded;
                    entry.Counts.Loaded = part.Loaded;
                    entry.Counts.LoadRejected = rejects.Count;
                    entry.Files.LoadRejects = file;
                },
                cancellationToken);
            if (part.Journal is not null)
            {
                await part.Journal.DisposeAsync();
            }

            // The manifest holds the part's outcome now; a kill before this line leaves a journal the next run deletes.
            ProgressJournal.Delete(snapshot, ProgressJournal.Phases.Load, part.Key);
            lock (_completed)
            {
                _completed.Add(new PartLoadResult(part.Key.Source, part.Key.Collection, part.Key.Index, part.Embedded, part.Loaded, rejects.Count));
            }

            part.MarkDone();

            Report();
        }

        /// <summary>Reports the figures so far, with what the load waits for (sibling shards), if anything.</summary>
        public void Report(string? waiting = null)
        {
            if (progress is null)
            {
                return;
            }

            int done;
            lock (_completed)
            {
                done = _completed.Count;
            }

            progress.Report(new LoadProgress(RecordsLoaded, RecordsRejected, done, Volatile.Read(ref _partsSeen)) { Waiting = waiting });
        }
    }

    /// <summary>A batch being filled by the reader.</summary>
    private sealed class PendingBatch(int capacity)
    {
        public List<MemoryWrite> Writes { get; } = new(capacity);

        public List<long> Rows { get; } = new(capacity);

        public List<RejectRecord> Rejected { get; } = [];
    }
}
