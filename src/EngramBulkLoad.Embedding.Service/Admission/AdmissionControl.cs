using System.Globalization;

namespace EngramBulkLoad.Embedding.Service.Admission;

/// <summary>
/// Bounds all admitted, unanswered work of one model: texts and tokens from the moment a request is
/// admitted until its answer (or failure) is out, whether its texts wait, are being tokenized, or run.
/// Decides before tokenizing, first on counters alone (constant cost), then on an upper bound of the
/// request's own tokens from its UTF-8 size. Also refuses a request that the backlog ahead of it would
/// make miss its deadline, using the measured throughput, so admitted work is work that can finish in time.
/// </summary>
internal sealed class AdmissionControl
{
    private static readonly TimeSpan UnknownRetryAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinRetryAfter = TimeSpan.FromMilliseconds(100);

    // The estimate must fit in this share of the time left: throughput wobbles (other processes, a GC, the
    // mix of lengths), and a request admitted on a knife's edge is computed and then thrown away. Half still
    // leaves a backlog of seconds to keep the model busy, which is all goodput needs.
    internal const double Headroom = 0.5;
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly string _modelId;
    private long _texts;
    private long _tokens;
    private double _tokensPerSecond;
    private double _recentTokens;
    private double _recentSeconds;

    // Real tokens per estimated token, learned from tokenized requests: the estimate is an upper bound (one
    // token per UTF-8 byte), several times the truth for ordinary words, which would make the deadline check
    // refuse requests it could serve. Capacity still counts the bound until a request is tokenized.
    private double _tokensPerEstimate = 1;

    public AdmissionControl(string modelId, int maxSequenceLength, long maxTexts, long maxTokens, TimeSpan maxLatency, TimeProvider timeProvider)
    {
        _modelId = modelId;
        MaxSequenceLength = maxSequenceLength;
        MaxTexts = maxTexts;
        MaxTokens = maxTokens;
        MaxLatency = maxLatency;
        _timeProvider = timeProvider;
    }

    public int MaxSequenceLength { get; }

    public long MaxTexts { get; }

    public long MaxTokens { get; }

    public TimeSpan MaxLatency { get; }

    /// <summary>Texts admitted and not yet answered.</summary>
    public long Texts => Interlocked.Read(ref _texts);

    /// <summary>Tokens admitted and not yet answered (estimates until a request is tokenized, then exact).</summary>
    public long Tokens => Interlocked.Read(ref _tokens);

    /// <summary>Real tokens per second of inference, smoothed over recent batches; 0 until a batch has run.</summary>
    public double TokensPerSecond
    {
        get
        {
            lock (_lock)
            {
                return _tokensPerSecond;
            }
        }
    }

    /// <summary>
    /// Admits <paramref name="texts"/> whole or throws. The request's deadline is the earlier of the
    /// caller's and now plus <see cref="MaxLatency"/>.
    /// </summary>
    /// <exception cref="OverloadedException">The backlog has no room, or would make the request miss its deadline.</exception>
    /// <exception cref="RequestTooLargeException">The request alone exceeds the token capacity.</exception>
    public Reservation Admit(IReadOnlyList<string> texts, DateTimeOffset? callerDeadline)
    {
        var now = _timeProvider.GetUtcNow();
        var deadline = now + MaxLatency;
        if (callerDeadline is { } caller && caller < deadline)
        {
            deadline = caller;
        }

        // Counters only: a refusal under overload costs the same whatever the request's size.
        lock (_lock)
        {
            Refuse(texts.Count, 0, now, deadline);
        }

        var estimate = TokenEstimate.UpperBound(texts, MaxSequenceLength);
        if (estimate > MaxTokens)
        {
            throw new RequestTooLargeException(string.Create(CultureInfo.InvariantCulture, $"The request's {texts.Count} texts may take up to {estimate} tokens (UTF-8 bytes, at most {MaxSequenceLength} per text), more than model '{_modelId}' admits at once ({MaxTokens}). Send fewer or shorter texts per request."));
        }

        lock (_lock)
        {
            Refuse(texts.Count, estimate, now, deadline);
            _texts += texts.Count;
            _tokens += estimate;
        }

        return new Reservation(this, texts.Count, estimate, deadline);
    }

    /// <summary>
    /// Records one round of the batcher: real tokens computed and the wall time the round took (planning
    /// and inference), for deadline estimates.
    /// </summary>
    public void RecordBatch(long realTokens, TimeSpan elapsed)
    {
        if (realTokens <= 0 || elapsed <= TimeSpan.Zero)
        {
            return;
        }

        lock (_lock)
        {
            // Tokens over time, both decayed per round: a time-weighted rate, so many small batches (short
            // texts, a fixed cost each) do not outvote the long ones, and recent rounds count most.
            _recentTokens = (_recentTokens * 0.9) + realTokens;
            _recentSeconds = (_recentSeconds * 0.9) + elapsed.TotalSeconds;
            _tokensPerSecond = _recentTokens / _recentSeconds;
        }
    }

    /// <summary>How long the current backlog plus <paramref name="extraTokens"/> takes to run, when throughput is known.</summary>
    public TimeSpan? Drain(long extraTokens)
    {
        lock (_lock)
        {
            return DrainLocked(_tokens + extraTokens);
        }
    }

    private void Refuse(int texts, long tokens, DateTimeOffset now, DateTimeOffset deadline)
    {
        // An idle model takes any request that fits its capacity: nothing ahead of it can make it late.
        if (_texts == 0)
        {
            return;
        }

        if (_texts + texts > MaxTexts)
        {
            var share = (double)(_texts + texts - MaxTexts) / _texts;
            throw Overloaded("queue_texts", DrainLocked((long)(_tokens * share)), $"has {_texts} of {MaxTexts} texts admitted and unanswered and cannot take {texts} more");
        }

        if (_tokens + tokens > MaxTokens)
        {
            throw Overloaded("queue_tokens", DrainLocked(_tokens + tokens - MaxTokens), $"has {_tokens} of {MaxTokens} tokens admitted and unanswered and cannot take up to {tokens} more");
        }

        if (DrainLocked(_tokens + (long)(tokens * _tokensPerEstimate)) is { } finish && finish > (deadline - now) * Headroom)
        {
            var late = finish - ((deadline - now) * Headroom);
            throw Overloaded("deadline", late, string.Create(CultureInfo.InvariantCulture, $"would finish the request in about {finish.TotalSeconds:F1} s ({_tokens} tokens ahead of it at {_tokensPerSecond:F0} tokens/s), too close to or after its deadline {(deadline - now).TotalSeconds:F1} s from now"));
        }
    }

    private TimeSpan? DrainLocked(long tokens)
        => _tokensPerSecond > 0 ? TimeSpan.FromSeconds(tokens / _tokensPerSecond) : null;

    private OverloadedException Overloaded(string reason, TimeSpan? retryAfter, string problem)
    {
        var hint = retryAfter ?? UnknownRetryAfter;
        hint = hint < MinRetryAfter ? MinRetryAfter : hint > MaxLatency ? MaxLatency : hint;
        return new OverloadedException(reason, hint, string.Create(CultureInfo.InvariantCulture, $"Model '{_modelId}' {problem}; retry in {hint.TotalSeconds:F1} s (the retry hint in this status), or add replicas."));
    }

    private void Release(long texts, long tokens)
    {
        lock (_lock)
        {
            _texts -= texts;
            _tokens -= tokens;
        }
    }

    private void Adjust(long estimate, long actual)
    {
        lock (_lock)
        {
            _tokens += actual - estimate;
            if (estimate > 0)
            {
                var ratio = Math.Clamp((double)actual / estimate, 0.01, 1);
                _tokensPerEstimate = (0.9 * _tokensPerEstimate) + (0.1 * ratio);
            }
        }
    }

    /// <summary>One admitted request's share of the capacity; released once, when its answer is out.</summary>
    internal sealed class Reservation(AdmissionControl owner, int texts, long tokens, DateTimeOffset deadline)
    {
        private long _tokens = tokens;
        private int _released;

        public int Texts { get; } = texts;

        public long Tokens => Interlocked.Read(ref _tokens);

        /// <summary>When the request must be answered: the caller's deadline or the service's bound, the earlier.</summary>
        public DateTimeOffset Deadline { get; } = deadline;

        /// <summary>Replaces the estimate with the tokens the texts really took.</summary>
        public void Reconcile(long actualTokens)
        {
            if (Volatile.Read(ref _released) == 0)
            {
                owner.Adjust(Interlocked.Exchange(ref _tokens, actualTokens), actualTokens);
            }
        }

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(Texts, Interlocked.Read(ref _tokens));
            }
        }
    }
}
