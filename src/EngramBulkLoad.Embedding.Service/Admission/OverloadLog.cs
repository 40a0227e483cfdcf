using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Service.Admission;

/// <summary>
/// Logs refusals of one model without flooding: each refusal at Debug (the counter
/// <c>embedding_rejected_total</c> carries the numbers), one Warning when an overload episode begins, and
/// one Information line when it is over: after <see cref="QuietPeriod"/> without a refusal, noticed at the
/// next admission or refusal.
/// </summary>
internal sealed class OverloadLog(ILogger logger, string modelId, TimeProvider timeProvider)
{
    /// <summary>How long without a refusal ends an episode.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private DateTimeOffset? _episodeStart;
    private DateTimeOffset _lastRefusal;
    private long _refused;

    /// <summary>True while an episode is open.</summary>
    public bool InEpisode
    {
        get
        {
            lock (_lock)
            {
                return _episodeStart is not null;
            }
        }
    }

    public void Refused(string reason, TimeSpan retryAfter)
    {
        var now = timeProvider.GetUtcNow();
        bool starts;
        lock (_lock)
        {
            EndIfQuiet(now);
            starts = _episodeStart is null;
            _episodeStart ??= now;
            _lastRefusal = now;
            _refused++;
        }

        if (starts)
        {
            logger.LogWarning(
                "Model {ModelId} is overloaded: refusing requests with RESOURCE_EXHAUSTED and a retry hint (first reason {Reason}, retry in {RetryAfterMs} ms). Further refusals are logged at Debug and counted in embedding_rejected_total; add replicas if this lasts.",
                modelId, reason, (long)retryAfter.TotalMilliseconds);
        }
        else
        {
            logger.LogDebug("Model {ModelId}: refused a request ({Reason}), retry in {RetryAfterMs} ms.", modelId, reason, (long)retryAfter.TotalMilliseconds);
        }
    }

    public void Admitted()
    {
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (_episodeStart is null)
            {
                return;
            }

            EndIfQuiet(now);
        }
    }

    private void EndIfQuiet(DateTimeOffset now)
    {
        if (_episodeStart is { } start && now - _lastRefusal >= QuietPeriod)
        {
            logger.LogInformation("Model {ModelId}: overload over; {Refused} requests refused in {Seconds:F0} s.", modelId, _refused, (_lastRefusal - start).TotalSeconds);
            _episodeStart = null;
            _refused = 0;
        }
    }
}
