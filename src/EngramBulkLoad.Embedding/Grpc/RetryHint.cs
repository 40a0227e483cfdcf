using System.Globalization;
using global::Grpc.Core;
using Google.Rpc;

namespace EngramBulkLoad.Embedding.Grpc;

/// <summary>
/// Reads when the service asked to be retried: <c>google.rpc.RetryInfo</c> in the status details, else the
/// <c>grpc-retry-pushback-ms</c> trailer, and turns it into the client's delay with backoff and jitter.
/// </summary>
internal static class RetryHint
{
    private const string PushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>The delay the service asked for, or null when it sent none.</summary>
    public static TimeSpan? From(RpcException exception)
    {
        if (exception.GetRpcStatus() is { } status)
        {
            foreach (var detail in status.Details)
            {
                if (detail.TryUnpack<RetryInfo>(out var retry) && retry.RetryDelay is { } delay)
                {
                    var value = delay.ToTimeSpan();
                    return value < TimeSpan.Zero ? TimeSpan.Zero : value;
                }
            }
        }

        var pushback = exception.Trailers.GetValue(PushbackTrailer);
        return long.TryParse(pushback, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : null;
    }

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> (0 for the first): at least the hint and at least the
    /// exponential backoff (capped at <paramref name="maxDelay"/>), stretched by up to a quarter at random so
    /// callers refused together do not all come back together. The hint itself is never cut short: retrying
    /// before it only earns another refusal.
    /// </summary>
    public static TimeSpan Delay(TimeSpan hint, int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        var backoff = baseDelay * Math.Pow(2, Math.Min(attempt, 30));
        if (backoff > maxDelay)
        {
            backoff = maxDelay;
        }

        var wait = hint > backoff ? hint : backoff;
        return wait * (1 + (0.25 * random));
    }
}
