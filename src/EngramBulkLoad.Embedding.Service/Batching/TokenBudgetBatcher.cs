using System.Threading.Channels;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Service.Tokenization;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Service.Batching;

/// <summary>
/// Batches texts from all callers of one model. Texts wait in a queue bounded by
/// <see cref="BatchingOptions.QueueCapacity"/>; one worker keeps up to <see cref="BatchingOptions.SortWindow"/>
/// of them in a pool and repeatedly runs the length-sorted batch, within the token budget, that holds the
/// oldest text. A batch that runs out of device memory is halved and retried; only a single text that
/// still does not fit fails.
/// </summary>
internal sealed class TokenBudgetBatcher : IAsyncDisposable
{
    private readonly IBatchInference _inference;
    private readonly BatchingOptions _options;
    private readonly EmbeddingMetrics _metrics;
    private readonly string _modelId;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    // The channel itself is unbounded; _queued bounds it, because a request must be admitted whole or not at all.
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _admission = new();
    private readonly Task _worker;
    private int _queued;

    public TokenBudgetBatcher(IBatchInference inference, BatchingOptions options, EmbeddingMetrics metrics, string modelId, ILogger logger, TimeProvider? timeProvider = null)
    {
        _inference = inference;
        _options = options;
        _metrics = metrics;
        _modelId = modelId;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _metrics.RegisterQueue(modelId, () => Volatile.Read(ref _queued));
        _worker = Task.Factory.StartNew(WorkLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Texts waiting now.</summary>
    public int QueueDepth => Volatile.Read(ref _queued);

    /// <summary>Queues <paramref name="texts"/> and waits for all their vectors, in their order.</summary>
    /// <exception cref="QueueFullException">The queue cannot take all the texts now.</exception>
    public Task<EmbeddedText[]> SubmitAsync(IReadOnlyList<TokenizedText> texts, CancellationToken cancellationToken)
    {
        var request = new PendingRequest(texts, cancellationToken);
        if (texts.Count == 0)
        {
            return request.Completion;
        }

        lock (_admission)
        {
            var queued = _queued;
            if (queued + texts.Count > _options.QueueCapacity)
            {
                _metrics.Rejected(_modelId, "queue_full");
                throw new QueueFullException(_modelId, texts.Count, queued, _options.QueueCapacity);
            }

            Interlocked.Add(ref _queued, texts.Count);
            for (var i = 0; i < texts.Count; i++)
            {
                if (!_queue.Writer.TryWrite(new WorkItem(request, i)))
                {
                    throw new ObjectDisposedException(nameof(TokenBudgetBatcher), "The embedding service is shutting down.");
                }
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(static state => ((PendingRequest)state!).Cancel(), request);
            request.Completion.ContinueWith(static (_, state) => ((CancellationTokenRegistration)state!).Dispose(), registration, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return request.Completion;
    }

    private async Task WorkLoopAsync()
    {
        // The pool holds texts taken off the queue but not yet run, in arrival order. Each round runs one
        // batch: the length-sorted batch that holds the oldest text. Sorting keeps padding low; serving
        // the oldest first means nothing starves; running one batch at a time lets requests finish (and
        // their callers send more) while the rest of the pool waits, so the pool stays full under load.
        var pool = new List<WorkItem>(_options.SortWindow);
        var reader = _queue.Reader;
        while (true)
        {
            while (pool.Count < _options.SortWindow && reader.TryRead(out var item))
            {
                Interlocked.Decrement(ref _queued);
                pool.Add(item);
            }

            pool.RemoveAll(static w => w.Request.IsAbandoned);
            if (pool.Count == 0)
            {
                // Ends when the writer is completed and the queue is drained: shutdown finishes queued work.
                if (!await reader.WaitToReadAsync(CancellationToken.None))
                {
                    return;
                }

                continue;
            }

            var batch = NextBatch(pool);
            RunBatch(batch.Select(i => pool[i]).ToArray());
            foreach (var index in batch.OrderDescending())
            {
                pool.RemoveAt(index);
            }
        }
    }

    private int[] NextBatch(List<WorkItem> pool)
    {
        var lengths = new int[pool.Count];
        for (var i = 0; i < pool.Count; i++)
        {
            lengths[i] = pool[i].Ids.Length;
        }

        // Index 0 is the oldest text in the pool.
        return BatchPlanner.Plan(lengths, _options.TokenBudget, _options.MaxBatchTexts, _options.MaxPaddingShare).First(b => b.Contains(0));
    }

    private void RunBatch(WorkItem[] items)
    {
        var sequences = items.Select(i => i.Ids).ToArray();
        var started = _timeProvider.GetTimestamp();
        float[][] vectors;
        try
        {
            vectors = _inference.Run(sequences);
        }
        catch (Exception ex) when (_inference.IsOutOfMemory(ex) && items.Length > 1)
        {
            // Out of device memory is a property of the batch size, not of the texts: halve and retry.
            _metrics.OutOfMemorySplit(_modelId);
            _logger.LogWarning("Model {ModelId}: batch of {Texts} texts ran out of memory; splitting it in two and retrying.", _modelId, items.Length);
            var half = items.Length / 2;
            RunBatch(items[..half]);
            RunBatch(items[half..]);
            return;
        }
        catch (Exception ex)
        {
            // The exception message comes from ONNX Runtime and holds no text content.
            _logger.LogError(ex, "Model {ModelId}: a batch of {Texts} texts failed.", _modelId, items.Length);
            foreach (var item in items)
            {
                item.Request.Fail(ex);
            }

            return;
        }

        var elapsed = _timeProvider.GetElapsedTime(started);
        var longest = sequences.Max(s => s.Length);
        var real = sequences.Sum(s => s.Length);
        _metrics.BatchRan(_modelId, items.Length, longest * items.Length, real, elapsed);
        for (var i = 0; i < items.Length; i++)
        {
            items[i].Request.Complete(items[i].Index, vectors[i]);
        }
    }

    /// <summary>Stops taking texts, finishes the queued ones, and ends the worker.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_admission)
        {
            _queue.Writer.TryComplete();
        }

        await _worker;
    }
}
