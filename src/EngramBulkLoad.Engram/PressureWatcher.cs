using EngramBulkLoad.Engram.Protocol;
using Grpc.Core;
using Polly;

namespace EngramBulkLoad.Engram;

/// <summary>
/// Reads Engram's memory pressure through Introspect at most once per poll interval, and holds a batch
/// back while pressure is at or above the threshold, so a bulk load slows down instead of flooding
/// Engram. When Engram does not report the metric, nothing is held back.
/// </summary>
internal sealed class PressureWatcher(EngramService.EngramServiceClient client, EngramOptions options, ResiliencePipeline retry, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private double? _pressure;
    private long _pauses;
    private long _reads;

    /// <summary>Times a batch was held back because of pressure.</summary>
    public long Pauses => Interlocked.Read(ref _pauses);

    /// <summary>Introspect calls made to read pressure.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>The last pressure read; null when Engram does not report it or nothing was read yet.</summary>
    public double? LastPressure => _pressure;

    /// <summary>Returns when pressure is below the threshold (or unknown); waits, re-reading it, while it is not.</summary>
    public async Task WaitForCapacityAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? pausedSince = null;
        while (true)
        {
            var pressure = await ReadAsync(cancellationToken);
            if (pressure is null || pressure < options.PressureThreshold)
            {
                return;
            }

            var now = time.GetUtcNow();
            if (pausedSince is null)
            {
                pausedSince = now;
                Interlocked.Increment(ref _pauses);
            }
            else if (now - pausedSince >= options.MaxPressureWait)
            {
                throw EngramErrors.Pressure(options, pressure.Value);
            }

            await Task.Delay(options.PressurePollInterval, time, cancellationToken);
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<double?> ReadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (time.GetUtcNow() - _readAt < options.PressurePollInterval)
            {
                return _pressure;
            }

            var request = new IntrospectRequest { MemorySpaceId = options.MemorySpaceId };
            request.Metrics.Add(options.PressureMetric);
            IntrospectResponse response;
            try
            {
                response = await retry.ExecuteAsync(
                    async (r, token) => await client.IntrospectAsync(r, deadline: time.GetUtcNow().UtcDateTime + options.CallTimeout, cancellationToken: token),
                    request,
                    cancellationToken);
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException ex)
            {
                throw EngramErrors.FromRpc("Introspect (pressure)", options, ex);
            }

            Interlocked.Increment(ref _reads);
            _readAt = time.GetUtcNow();
            _pressure = response.Metrics.TryGetValue(options.PressureMetric, out var value) && float.IsFinite(value) ? value : null;
            return _pressure;
        }
        finally
        {
            _gate.Release();
        }
    }
}
