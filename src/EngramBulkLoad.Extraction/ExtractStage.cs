using System.Threading.Channels;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;
using EngramBulkLoad.Sources;

namespace EngramBulkLoad.Extraction;

/// <summary>
/// The extract stage: reads every collection of every source into part files of the snapshot. A part
/// is recorded in the manifest, with the cursor to resume after it, only once its files are whole on
/// disk; a killed run therefore redoes at most the part it was writing, and never stages a row twice.
/// Reading and writing overlap through a bounded channel, so one core decodes rows while the other
/// encodes Parquet, and memory stays flat.
/// </summary>
public sealed class ExtractStage(SnapshotStore store, ExtractSettings settings, ExtractProgress progress)
{
    // Items cross from the reader to the writer in batches: one hand-off per item cost more CPU (locks,
    // thread-pool wake-ups) than mapping a row. 16 batches of 256 keep at most 4,096 items in flight.
    private const int BatchSize = 256;
    private const int ChannelCapacity = 16;

    private readonly List<string> _notes = [];
    private Func<PartEntry, CancellationToken, Task>? _partCommitted;

    /// <summary>Collections the last run left alone on purpose (a backfill without a watermark, or nothing changed), each with why; for the command's output.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Runs the stage over the sources; collections already completed in the snapshot are skipped.</summary>
    /// <param name="sources">The sources, extracted in order.</param>
    /// <param name="partCommitted">
    /// Called with each part once it is in the manifest, so a later stage can start on it while extraction
    /// goes on; awaiting it applies that stage's back-pressure to extraction.
    /// </param>
    /// <param name="cancellationToken">Stops the stage; the part being written is dropped and redone on resume.</param>
    /// <returns>The counts per collection, this run and earlier runs together.</returns>
    public async Task<IReadOnlyList<CollectionCounts>> RunAsync(
        IReadOnlyList<IRecordSource> sources, Func<PartEntry, CancellationToken, Task>? partCommitted = null, CancellationToken cancellationToken = default)
    {
        _partCommitted = partCommitted;
        _notes.Clear();
        ArgumentNullException.ThrowIfNull(sources);
        foreach (var source in sources)
        {
            await source.CheckAsync(cancellationToken);
        }

        foreach (var source in sources)
        {
            foreach (var collection in source.Collections)
            {
                await ExtractCollectionAsync(source, collection, cancellationToken);
            }
        }

        return CountsOf(store.ReadManifest(), sources);
    }

    /// <summary>
    /// <c>extract --redo-damaged</c>: reads again the key range of every part whose extract files (records,
    /// edges, rejects) are missing or damaged, from the cursor it started after through the cursor it ended
    /// at, and replaces its files and counts. The part then goes back to Extracted, so embed and load redo it
    /// (same memory ids: Engram updates the memories; associations already created are not sent again).
    /// </summary>
    /// <returns>The damaged files that were redone.</returns>
    public async Task<IReadOnlyList<DamagedPartFile>> RedoDamagedAsync(IReadOnlyList<IRecordSource> sources, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var manifest = store.ReadManifest();
        var damaged = (await PartFileCheck.FindAsync(store, manifest, cancellationToken)).Where(file => file.Stage == "extract").ToList();
        foreach (var group in damaged.GroupBy(file => file.PartName))
        {
            var part = group.First().Part;
            var source = sources.FirstOrDefault(s => s.Name == part.Source)
                ?? throw ErrorFactory.Snapshot(store.Folder, $"{group.Key} is damaged, but source '{part.Source}' is not among this run's sources. Run extract --redo-damaged with the config that names it (and without --sources, or with it listed).");
            await RedoPartAsync(source, part, manifest, group.Key, cancellationToken);
        }

        return damaged;
    }

    private async Task RedoPartAsync(IRecordSource source, PartEntry part, SnapshotManifest manifest, string name, CancellationToken cancellationToken)
    {
        var siblings = manifest.Parts.Where(p => p.Source == part.Source && p.Collection == part.Collection && p.Generation == part.Generation).ToList();
        var previous = siblings.Where(p => p.Index < part.Index).MaxBy(p => p.Index);
        if (part.StartCursor is null && previous is null && part.Generation > 0)
        {
            throw ErrorFactory.Snapshot(store.Folder, $"{name}: the first part of a backfill in a snapshot written before parts recorded where they start; its range cannot be read again. Re-extract into a new snapshot (or --overwrite).");
        }

        var start = part.StartCursor ?? previous?.Cursor;
        var isLast = !siblings.Any(p => p.Index > part.Index);
        progress.Start(source.Name, part.Collection, part.Counts.SourceRows);
        PartEntry redone;
        await using (var builder = new PartBuilder(store, source.Name, part.Collection, part.Index))
        {
            SourcePosition? end = null;
            await foreach (var item in source.ReadAsync(part.Collection, start, cancellationToken))
            {
                if (end is not null && !item.Position.HasSameCursor(end))
                {
                    break;
                }

                await builder.AddAsync(item, cancellationToken);
                progress.Add(1, 0);
                if (end is null && item.Position.Cursor == part.Cursor)
                {
                    end = item.Position;
                }
            }

            if (end is null && !isLast)
            {
                // Without its last row the range has no end: reading on would take rows of the next part twice.
                throw ErrorFactory.Snapshot(store.Folder, $"{name}: the row that ended this part (cursor {part.Cursor}) is no longer in the source, so its key range cannot be read again exactly. Re-extract into a new snapshot folder (or pass --overwrite); nothing was changed.");
            }

            redone = await builder.CompleteAsync(cancellationToken);
        }

        var listed = new[] { redone.Files.Records, redone.Files.Edges, redone.Files.ExtractRejects }.OfType<PartFile>().Select(file => file.Path).ToHashSet(StringComparer.Ordinal);
        var unlisted = part.Files.All().Where(file => !listed.Contains(file.Path)).ToList();
        await store.UpdateAsync(m =>
        {
            var entry = m.Parts.First(p => p.Source == part.Source && p.Collection == part.Collection && p.Index == part.Index && p.Generation == part.Generation);
            PartRedo.ForgetEmbedding(entry);
            entry.Files.Records = redone.Files.Records;
            entry.Files.Edges = redone.Files.Edges;
            entry.Files.ExtractRejects = redone.Files.ExtractRejects;
            entry.Counts.SourceRows = redone.Counts.SourceRows;
            entry.Counts.Staged = redone.Counts.Staged;
            entry.Counts.ExtractRejected = redone.Counts.ExtractRejected;
            entry.Counts.Edges = redone.Counts.Edges;
            entry.Counts.StandaloneEdges = redone.Counts.StandaloneEdges;
            entry.StartCursor = start;
            entry.ExtractedAt = store.Now;
        }, cancellationToken);
        foreach (var file in unlisted)
        {
            File.Delete(store.FullPath(file.Path));
        }
    }

    /// <summary>The counts per collection a manifest records.</summary>
    public static IReadOnlyList<CollectionCounts> CountsOf(SnapshotManifest manifest, IReadOnlyList<IRecordSource>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var names = sources?.SelectMany(s => s.Collections.Select(c => (s.Name, c)))
            ?? manifest.Collections.Select(c => (c.Source, c.Collection));
        return names.Select(name =>
        {
            var parts = manifest.Parts.Where(p => p.Source == name.Item1 && p.Collection == name.Item2).ToList();
            return new CollectionCounts(
                name.Item1, name.Item2,
                parts.Sum(p => p.Counts.SourceRows), parts.Sum(p => p.Counts.Staged), parts.Sum(p => p.Counts.ExtractRejected),
                parts.Sum(p => p.Counts.Edges), parts.Sum(p => p.Counts.StandaloneEdges), parts.Count);
        }).ToList();
    }

    private async Task ExtractCollectionAsync(IRecordSource source, string collection, CancellationToken cancellationToken)
    {
        var state = store.ReadManifest().Collections.FirstOrDefault(c => c.Source == source.Name && c.Collection == collection);
        if (state?.Completed == true)
        {
            if (!settings.Backfill || !await ReopenForBackfillAsync(source, collection, state, cancellationToken))
            {
                return;
            }

            state = store.ReadManifest().Collections.First(c => c.Source == source.Name && c.Collection == collection);
        }
        else if (state is null && source is IWatermarkedSource watermarked && watermarked.HasWatermark(collection))
        {
            // The highest watermark before the first row is read: a row that changes while this runs gets a
            // higher one, so the next backfill reads it, wherever the read was when it changed.
            var upTo = await watermarked.ReadWatermarkAsync(collection, null, cancellationToken);
            await store.UpdateAsync(m => Progress(m, source.Name, collection).Watermark = upTo, cancellationToken);
        }

        var cursor = state?.Cursor;
        var index = state?.NextPartIndex ?? 0;
        if (cursor is not null && source is IRepeatingSource repeating)
        {
            repeating.AlreadyRead(collection, await ReadIdsAsync(source.Name, collection, state!.Generation, cancellationToken));
        }

        progress.Start(source.Name, collection, cursor is null ? await source.EstimateCountAsync(collection, cancellationToken) : null);

        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<List<SourceItem>>(new BoundedChannelOptions(ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var producer = Task.Run(() => ProduceAsync(source, collection, cursor, channel.Writer, reading.Token), CancellationToken.None);

        PartBuilder? part = null;
        var notes = new CollectionNotes(source.Name, collection);
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(cancellationToken))
            {
                long bytes = 0;
                foreach (var item in batch)
                {
                    notes.Add(item);
                    // Parts end only between rows with different cursors: rows sharing a key (a query
                    // without a unique key) must land in one part, or a resume "after" that key would skip some.
                    if (part is not null && part.SourceRows >= settings.PartSize && !item.Position.HasSameCursor(part.LastPosition!))
                    {
                        await CommitAsync(part, source.Name, collection, index, completed: false, cancellationToken);
                        await part.DisposeAsync();
                        part = null;
                        index++;
                    }

                    part ??= new PartBuilder(store, source.Name, collection, index);
                    bytes += await part.AddAsync(item, cancellationToken);
                }

                progress.Add(batch.Count, bytes);
            }

            await producer;
            if (part is not null)
            {
                await CommitAsync(part, source.Name, collection, index, completed: true, cancellationToken);
            }
            else
            {
                await store.UpdateAsync(m => Progress(m, source.Name, collection).Completed = true, cancellationToken);
            }

            _notes.AddRange(notes.Lines());
        }
        catch
        {
            await reading.CancelAsync();
            await Task.WhenAny(producer);
            throw;
        }
        finally
        {
            if (part is not null)
            {
                await part.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Starts the next generation of a completed collection: the rows whose watermark is above the recorded
    /// one and at most the highest one now. That upper bound is recorded before reading, and travels in the
    /// cursor, so a resumed backfill reads the same range; rows changed meanwhile get a higher value and
    /// fall to the next backfill. Returns false, with a note, when there is nothing to read.
    /// </summary>
    private async Task<bool> ReopenForBackfillAsync(IRecordSource source, string collection, CollectionProgress state, CancellationToken cancellationToken)
    {
        if (source is not IWatermarkedSource watermarked || !watermarked.HasWatermark(collection))
        {
            _notes.Add($"{source.Name}/{collection}: left alone by the backfill: it has no \"watermark\" (a column that grows when a row changes).");
            return false;
        }

        var upTo = await watermarked.ReadWatermarkAsync(collection, state.Watermark, cancellationToken);
        if (upTo is null)
        {
            _notes.Add($"{source.Name}/{collection}: nothing changed since watermark {state.Watermark ?? "(none)"}.");
            return false;
        }

        var cursor = watermarked.BackfillCursor(collection, state.Watermark, upTo);
        await store.UpdateAsync(m =>
        {
            var next = Progress(m, source.Name, collection);
            next.Generation++;
            next.Completed = false;
            next.Cursor = cursor;
            next.Watermark = upTo;
        }, cancellationToken);
        return true;
    }

    private static async Task ProduceAsync(IRecordSource source, string collection, string? cursor, ChannelWriter<List<SourceItem>> writer, CancellationToken cancellationToken)
    {
        var batch = new List<SourceItem>(BatchSize);
        try
        {
            await foreach (var item in source.ReadAsync(collection, cursor, cancellationToken))
            {
                batch.Add(item);
                if (batch.Count == BatchSize)
                {
                    await writer.WriteAsync(batch, cancellationToken);
                    batch = new List<SourceItem>(BatchSize);
                }
            }

            if (batch.Count > 0)
            {
                await writer.WriteAsync(batch, cancellationToken);
            }

            writer.Complete();
        }
        catch (Exception ex)
        {
            // The items read before the failure are still staged when there is room for them, as they were
            // one at a time; if not, they are read again on resume. The consumer then rethrows this from
            // ReadAllAsync, so a source failure stops the stage with its own message.
            if (batch.Count > 0)
            {
                writer.TryWrite(batch);
            }

            writer.Complete(ex);
            throw;
        }
    }

    private async Task CommitAsync(PartBuilder part, string source, string collection, int index, bool completed, CancellationToken cancellationToken)
    {
        var entry = await part.CompleteAsync(cancellationToken);
        entry.ExtractedAt = store.Now;
        await store.UpdateAsync(manifest =>
        {
            var state = Progress(manifest, source, collection);
            entry.Generation = state.Generation;
            entry.StartCursor = state.Cursor;
            manifest.Parts.Add(entry);
            state.Cursor = entry.Cursor;
            state.NextPartIndex = index + 1;
            state.Completed = completed;
        }, cancellationToken);
        if (_partCommitted is not null)
        {
            await _partCommitted(entry, cancellationToken);
        }
    }

    /// <summary>The memory ids of the records and rejects in a collection's parts of one generation (a resume's "already read").</summary>
    private async Task<MemoryIdSet> ReadIdsAsync(string source, string collection, int generation, CancellationToken cancellationToken)
    {
        var ids = new MemoryIdSet();
        foreach (var part in store.ReadManifest().Parts.Where(p => p.Source == source && p.Collection == collection && p.Generation == generation))
        {
            await AddIdsAsync(ids, part.Files.Records, PartCodecs.Records, static r => r.MemoryId, cancellationToken);
            await AddIdsAsync(ids, part.Files.ExtractRejects, PartCodecs.Rejects, static r => r.MemoryId, cancellationToken);
        }

        return ids;
    }

    private async Task AddIdsAsync<T>(MemoryIdSet ids, PartFile? file, PartCodec<T> codec, Func<T, string?> idOf, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            return;
        }

        await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(file.Path), store.MigrationId, cancellationToken);
        await foreach (var row in reader.ReadAllAsync(cancellationToken))
        {
            if (idOf(row) is { } id)
            {
                ids.Add(id);
            }
        }
    }

    private static CollectionProgress Progress(SnapshotManifest manifest, string source, string collection)
    {
        var state = manifest.Collections.FirstOrDefault(c => c.Source == source && c.Collection == collection);
        if (state is null)
        {
            state = new CollectionProgress { Source = source, Collection = collection };
            manifest.Collections.Add(state);
        }

        return state;
    }
}
