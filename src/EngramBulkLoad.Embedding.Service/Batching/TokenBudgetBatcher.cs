using System.Globalization;
using System.Threading.Channels;
using EngramBulkLoad.Embedding.Service.Admission;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Service.Tokenization;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Service.Batching;

/// <summary>
/// Batches texts from all callers of one model. Requests are admitted (or refused) by
/// <see cref="AdmissionControl"/> before they are tokenized, then served earliest deadline first: each
/// round takes whole requests in deadline order until about one batch of work (see <see cref="Window"/>),
/// plans length-sorted batches over them within the token budget, and runs the batch that holds the first
/// waiting text of the most urgent request. Requests therefore finish one after another, most of them in
/// time, instead of all late together; a request whose deadline passes before its texts run is dropped
/// without computing them. A batch that runs out of device memory is halved and retried; only a single
/// text that still does not fit fails.
/// </summary>
internal sealed class TokenBudgetBatcher : IAsyncDisposable
{
    private readonly IBatchInference _inference;
    private readonly BatchingOptions _options;
    private readonly EmbeddingMetrics _metrics;
    private readonly string _modelId;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly OverloadLog _overloadLog;
    // Unbounded as a channel, bounded by admission: only admitted requests are written to it.
    private readonly Channel<PendingRequest> _arrivals = Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;
    private long _sequence;

    public TokenBudgetBatcher(IBatchInference inference, BatchingOptions options, EmbeddingMetrics metrics, string modelId, int maxSequenceLength, int maxTextsPerRequest, ILogger logger, TimeProvider? timeProvider = null)
    {
        _inference = inference;
        _options = options;
        _metrics = metrics;
        _modelId = modelId;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
        Admission = new AdmissionControl(modelId, maxSequenceLength, options.QueueCapacity, options.TokenCapacityFor(modelId, maxSequenceLength, maxTextsPerRequest), options.MaxLatency, _timeProvider);
        _overloadLog = new OverloadLog(logger, modelId, _timeProvider);
        _metrics.RegisterAdmitted(modelId, () => Admission.Texts, () => Admission.Tokens, () => Admission.TokensPerSecond);
        _worker = Task.Factory.StartNew(WorkLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public AdmissionControl Admission { get; }

    /// <summary>Texts admitted and not yet answered.</summary>
    public long QueueDepth => Admission.Texts;

    /// <summary>
    /// Admits a request of <paramref name="texts"/> before it is tokenized; the caller submits it with
    /// <see cref="SubmitAsync"/> or releases the reservation if it gives up.
    /// </summary>
    /// <exception cref="OverloadedException">No room now, or the backlog would make it miss its deadline.</exception>
    /// <exception cref="RequestTooLargeException">The request alone exceeds the token capacity.</exception>
    public AdmissionControl.Reservation Admit(IReadOnlyList<string> texts, DateTimeOffset? callerDeadline)
    {
        try
        {
            var reservation = Admission.Admit(texts, callerDeadline);
            _overloadLog.Admitted();
            return reservation;
        }
        catch (OverloadedException ex)
        {
            _metrics.Rejected(_modelId, ex.Reason);
            _overloadLog.Refused(ex.Reason, ex.RetryAfter);
            throw;
        }
        catch (RequestTooLargeException)
        {
            _metrics.Rejected(_modelId, "request_tokens");
            throw;
        }
    }

    /// <summary>Queues the admitted, tokenized <paramref name="texts"/> and waits for all their vectors, in their order.</summary>
    public Task<EmbeddedText[]> SubmitAsync(IReadOnlyList<TokenizedText> texts, AdmissionControl.Reservation reservation, CancellationToken cancellationToken)
    {
        long tokens = 0;
        foreach (var text in texts)
        {
            tokens += text.Ids.Length;
        }

        reservation.Reconcile(tokens);
        var request = new PendingRequest(texts, reservation, Interlocked.Increment(ref _sequence), cancellationToken);
        if (texts.Count == 0)
        {
            return request.Completion;
        }

        if (!_arrivals.Writer.TryWrite(request))
        {
            reservation.Release();
            throw new ObjectDisposedException(nameof(TokenBudgetBatcher), "The embedding service is shutting down.");
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
        // Active requests, earliest deadline first (arrival order among equals). Only this loop touches it.
        var active = new List<PendingRequest>();
        var reader = _arrivals.Reader;
        while (true)
        {
            while (reader.TryRead(out var arrived))
            {
                Insert(active, arrived);
            }

            var roundStarted = _timeProvider.GetTimestamp();
            Sweep(active);
            if (active.Count == 0)
            {
                // Ends when the writer is completed and every admitted request is done: shutdown finishes admitted work.
                if (!await reader.WaitToReadAsync(CancellationToken.None))
                {
                    return;
                }

                continue;
            }

            var window = Window(active);
            var lengths = new int[window.Count];
            for (var i = 0; i < window.Count; i++)
            {
                lengths[i] = window[i].Ids.Length;
            }

            // Index 0 is the first waiting text of the most urgent request.
            var batch = BatchPlanner.Plan(lengths, _options.TokenBudget, _options.MaxBatchTexts, _options.MaxPaddingShare).First(b => b.Contains(0));
            var items = new WorkItem[batch.Length];
            for (var i = 0; i < batch.Length; i++)
            {
                items[i] = window[batch[i]];
                items[i].Request.MarkScheduled(items[i].Index);
            }

            var real = RunBatch(items);
            Admission.RecordBatch(real, _timeProvider.GetElapsedTime(roundStarted));
        }
    }

    private static void Insert(List<PendingRequest> active, PendingRequest request)
    {
        var index = active.Count;
        // Arrivals mostly carry the latest deadline, so searching from the end is short.
        while (index > 0 && Compare(active[index - 1], request) > 0)
        {
            index--;
        }

        active.Insert(index, request);
    }

    private static int Compare(PendingRequest a, PendingRequest b)
    {
        var byDeadline = a.Deadline.CompareTo(b.Deadline);
        return byDeadline != 0 ? byDeadline : a.Sequence.CompareTo(b.Sequence);
    }

    /// <summary>
    /// Removes answered, cancelled and expired requests, counting the vectors computed for nothing. A request
    /// is expired when its deadline has passed, or when it has not started and the work ahead of it in
    /// deadline order plus its own, at the measured throughput, ends after its deadline: computing it would
    /// only be thrown away, and would delay the requests behind it.
    /// </summary>
    private void Sweep(List<PendingRequest> active)
    {
        var now = _timeProvider.GetUtcNow();
        var rate = Admission.TokensPerSecond;
        long ahead = 0;
        active.RemoveAll(request =>
        {
            if (request.Completion.IsCompleted)
            {
                if (!request.Completion.IsCompletedSuccessfully)
                {
                    _metrics.Dropped(_modelId, request.Completion.IsCanceled ? "cancelled" : "failed", request.Computed);
                }

                return true;
            }

            if (request.CancellationToken.IsCancellationRequested)
            {
                request.Cancel();
                _metrics.Dropped(_modelId, "cancelled", request.Computed);
                return true;
            }

            var remaining = request.UnscheduledTokens;
            var cannotFinish = request.Computed == 0 && rate > 0 && now + TimeSpan.FromSeconds((ahead + remaining) / rate) > request.Deadline;
            if (now >= request.Deadline || cannotFinish)
            {
                var retryAfter = Admission.Drain(0) ?? TimeSpan.FromSeconds(1);
                var when = now >= request.Deadline ? "within" : "before";
                request.Fail(new OverloadedException("expired", retryAfter, string.Create(CultureInfo.InvariantCulture, $"Model '{_modelId}' could not answer within the request's deadline ({_options.MaxLatency.TotalSeconds:F0} s at most): dropped {when} it, after {request.Computed} of {request.Texts.Count} texts had run. Retry later, send smaller requests, or add replicas.")));
                _metrics.Dropped(_modelId, "expired", request.Computed);
                _overloadLog.Refused("expired", retryAfter);
                return true;
            }

            ahead += remaining;
            return false;
        });
    }

    /// <summary>
    /// Waiting texts of whole requests in deadline order, until the window holds <see cref="BatchingOptions.SortWindow"/>
    /// texts or one token budget's worth of tokens (always all of the first request's). The most urgent
    /// request finishes once the window has run, so the window is kept to about one batch of work: a wider
    /// one pads less but lets many requests progress together and finish late together.
    /// </summary>
    private List<WorkItem> Window(List<PendingRequest> active)
    {
        var window = new List<WorkItem>(Math.Min(_options.SortWindow, 4096));
        long tokens = 0;
        foreach (var request in active)
        {
            if (window.Count >= _options.SortWindow || tokens >= _options.TokenBudget)
            {
                break;
            }

            foreach (var index in request.Unscheduled())
            {
                window.Add(new WorkItem(request, index));
                tokens += request.Texts[index].Ids.Length;
            }
        }

        return window;
    }

    /// <summary>Runs one batch (halving it on out-of-memory); returns the real tokens computed.</summary>
    private long RunBatch(WorkItem[] items)
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
            return RunBatch(items[..half]) + RunBatch(items[half..]);
        }
        catch (Exception ex)
        {
            // The exception message comes from ONNX Runtime and holds no text content.
            _logger.LogError(ex, "Model {ModelId}: a batch of {Texts} texts failed.", _modelId, items.Length);
            foreach (var item in items)
            {
                item.Request.Fail(ex);
            }

            return 0;
        }

        var elapsed = _timeProvider.GetElapsedTime(started);
        var longest = sequences.Max(s => s.Length);
        var real = sequences.Sum(s => s.Length);
        _metrics.BatchRan(_modelId, items.Length, longest * items.Length, real, elapsed);
        for (var i = 0; i < items.Length; i++)
        {
            items[i].Request.Complete(items[i].Index, vectors[i]);
        }

        return real;
    }

    /// <summary>Stops taking requests, finishes the admitted ones, and ends the worker.</summary>
    public async ValueTask DisposeAsync()
    {
        _arrivals.Writer.TryComplete();
        await _worker;
    }
}
