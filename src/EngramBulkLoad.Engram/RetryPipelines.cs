using Polly;
using Polly.Retry;

namespace EngramBulkLoad.Engram;

/// <summary>
/// The retry policy of every Engram call: transient failures (see <see cref="StatusClassifier"/>) are
/// retried up to <see cref="EngramOptions.MaxRetries"/> times with exponential backoff and jitter;
/// anything else goes straight to the caller.
/// </summary>
internal static class RetryPipelines
{
    public static ResiliencePipeline Create(EngramOptions options, TimeProvider time, Action? onRetry = null)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(StatusClassifier.IsTransient),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = _ =>
                {
                    onRetry?.Invoke();
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }
}
