using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Dataflow;
using EngramBulkLoad.Embedding;
using EngramBulkLoad.Embedding.Stage;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Sources;

namespace EngramBulkLoad.Pipeline;

/// <summary>
/// The whole job in one process, on TPL Dataflow:
/// <code>
/// extract ──part──▶ [embed block, N parts at once] ──part──▶ [queue] ──▶ load (batches in flight) ──▶ associations
/// </code>
/// Every block is bounded, so a slow stage holds back the ones before it instead of filling memory, and
/// each stage starts on the first part the one before it completes. Each stage still writes its own
/// files and manifest state as parts complete, exactly as the separate commands do, so a killed run
/// resumes where the snapshot says it stopped, and any stage can be re-run alone.
/// </summary>
public static class RunPipeline
{
    /// <summary>Runs the job; with <paramref name="engram"/> null it stops after the vectors.</summary>
    /// <param name="store">The snapshot, opened for writing.</param>
    /// <param name="sources">The sources to extract, in order.</param>
    /// <param name="embedder">The embedder.</param>
    /// <param name="engram">The Engram client, or null to stop after embedding.</param>
    /// <param name="settings">The stages' settings.</param>
    /// <param name="progress">Live counters for the display and metrics.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Stops the run; what completed is saved.</param>
    public static async Task<RunReport> RunAsync(
        SnapshotStore store, IReadOnlyList<IRecordSource> sources, ITextEmbedder embedder, EngramClient? engram,
        RunSettings settings, RunProgress progress, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        var started = Stopwatch.GetTimestamp();

        // Everything that can refuse the run does so before the first row is read.
        if (engram is not null)
        {
            await engram.PreflightAsync(embedder.Info.Dimension, cancellationToken);
            await LoadTargets.EnsureAsync(store, engram.Options, cancellationToken);
        }

        var embed = new EmbedStage(store, embedder, settings.Embed, progress.Embed);
        await embed.PrepareAsync(cancellationToken);
        progress.Loading = engram is not null;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var embedBlock = new TransformBlock<PartEntry, PartEntry>(
            part => EmbedStage.NeedsEmbedding(part) ? embed.EmbedPartAsync(part, stop.Token) : Task.FromResult(part),
            new ExecutionDataflowBlockOptions
            {
                MaxDegreeOfParallelism = settings.Embed.PartsInParallel,
                BoundedCapacity = settings.Embed.PartsInParallel + settings.PartsQueued,
                EnsureOrdered = false,
                CancellationToken = stop.Token,
            });
        var loadQueue = new BufferBlock<PartEntry>(new DataflowBlockOptions { BoundedCapacity = settings.PartsQueued, CancellationToken = stop.Token });
        embedBlock.LinkTo(loadQueue, new DataflowLinkOptions { PropagateCompletion = true });

        var extract = Task.Run(() => FeedAsync(store, sources, settings, progress, embedBlock, stop.Token), CancellationToken.None);
        var load = Task.Run(() => engram is null ? DrainAsync(loadQueue, stop.Token) : LoadAsync(store, engram, time, progress, loadQueue, stop.Token), CancellationToken.None);

        var first = await Task.WhenAny(extract, load);
        if (first.IsFaulted || first.IsCanceled)
        {
            // One stage failed: stop the others and report the failure that came first, not its echoes.
            await stop.CancelAsync();
            await Task.WhenAll(extract, load).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await first;
        }

        var extracted = await extract;
        var loadReport = await load;
        await embedBlock.Completion;
        return new RunReport
        {
            Extracted = extracted.Counts,
            ExtractNotes = extracted.Notes,
            PartsEmbedded = progress.Embed.Parts,
            RecordsEmbedded = progress.Embed.Embedded,
            RecordsReused = progress.Embed.Reused,
            EmbedRejected = progress.Embed.Rejected,
            Load = loadReport,
            Elapsed = Stopwatch.GetElapsedTime(started),
        };
    }

    /// <summary>Sends the parts a killed run left unembedded, then extracts and sends each part as it is committed.</summary>
    private static async Task<(IReadOnlyList<CollectionCounts> Counts, IReadOnlyList<string> Notes)> FeedAsync(
        SnapshotStore store, IReadOnlyList<IRecordSource> sources, RunSettings settings, RunProgress progress, ITargetBlock<PartEntry> embed, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var part in store.ReadManifest().Parts.Where(EmbedStage.NeedsEmbedding))
            {
                await SendAsync(embed, part, progress, cancellationToken);
            }

            var stage = new ExtractStage(store, settings.Extract, progress.Extract);
            var counts = await stage.RunAsync(sources, (part, token) => SendAsync(embed, part, progress, token), cancellationToken);
            embed.Complete();
            return (counts, stage.Notes);
        }
        catch (Exception ex)
        {
            embed.Fault(ex);
            throw;
        }
    }

    private static async Task SendAsync(ITargetBlock<PartEntry> embed, PartEntry part, RunProgress progress, CancellationToken cancellationToken)
    {
        if (EmbedStage.NeedsEmbedding(part))
        {
            progress.Embed.Expect(part.Counts.Staged);
        }

        if (!await embed.SendAsync(part, cancellationToken))
        {
            // The block declines only once it faulted or was cancelled, and its own error is the one to
            // report. It may still be finishing the parts it had started, so wait for it to settle.
            await SettleAsync(embed.Completion);
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("The embed stage stopped accepting parts.");
        }
    }

    private static async Task<LoadReport?> LoadAsync(SnapshotStore store, EngramClient engram, TimeProvider time, RunProgress progress, BufferBlock<PartEntry> queue, CancellationToken cancellationToken)
        => await LoadStage.RunAsync(store, engram, time, progress.LoadReporter, Incoming(queue, cancellationToken), cancellationToken);

    /// <summary>Without Engram the embedded parts have nowhere to go: they stay in the snapshot for a later <c>load</c>.</summary>
    private static async Task<LoadReport?> DrainAsync(BufferBlock<PartEntry> queue, CancellationToken cancellationToken)
    {
        await foreach (var part in Incoming(queue, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        return null;
    }

    /// <summary>
    /// The parts the embed block passes on. Ends when the block completes and rethrows its failure, so the
    /// load never takes an early end for a complete run.
    /// </summary>
    private static async IAsyncEnumerable<PartEntry> Incoming(BufferBlock<PartEntry> queue, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var part in queue.ReceiveAllAsync(cancellationToken))
        {
            yield return part;
        }

        await SettleAsync(queue.Completion);
    }

    /// <summary>
    /// Waits for a block to finish and rethrows the error that stopped it as it was thrown. A block's
    /// completion wraps it in an AggregateException, once per linked block it passed through.
    /// </summary>
    private static async Task SettleAsync(Task completion)
    {
        await completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (completion.Exception is { } failed)
        {
            ExceptionDispatchInfo.Throw(failed.Flatten().InnerExceptions[0]);
        }

        await completion;
    }
}
