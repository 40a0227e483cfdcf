using System.Collections.Concurrent;
using EngramBulkLoad.Engram.Protocol;
using Grpc.Core;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// Faults a test arms on the server: latency, failing calls, a stream ended by a transient status or a
/// dropped connection after a number of records, records refused as Engram would refuse a bad one, and
/// the memory pressure Introspect reports. Every fault is counted down atomically, so concurrent streams
/// see it exactly once.
/// </summary>
public sealed class FaultInjector
{
    private readonly ConcurrentQueue<(string Method, StatusCode Code, string Detail)> _callFailures = new();
    private readonly ConcurrentQueue<float> _pressureScript = new();
    private long _failStreamCountdown = long.MaxValue;
    private StatusCode _failStreamCode = StatusCode.Unavailable;
    private long _dropCountdown = long.MaxValue;
    private long _drops;
    private long _injectedFailures;
    private readonly Lock _randomLock = new();
    private Random _random = new(1);

    /// <summary>Delay before each call is handled. Default zero.</summary>
    public TimeSpan CallLatency { get; set; }

    /// <summary>Delay before each streamed record is handled. Default zero.</summary>
    public TimeSpan RecordLatency { get; set; }

    /// <summary>A rule that refuses a record with INVALID_ARGUMENT and the returned message (null: accept). Applies to streamed and unary Remember.</summary>
    public Func<RememberRequest, string?>? RejectWhen { get; set; }

    /// <summary>Pressure reported when the script is empty. Default 0.</summary>
    public float Pressure { get; set; }

    /// <summary>
    /// Whether Introspect reports a memory_pressure metric. Default false: Engram's Introspect (grpc.rs) publishes
    /// none; tests of the loader's pressure watcher turn it on, as an Engram behind a metrics proxy would.
    /// </summary>
    public bool ReportPressure { get; set; }

    /// <summary>
    /// Fraction of calls (each unary call, each stream at its start) failed with UNAVAILABLE before they are handled,
    /// drawn from a seeded generator. Default 0. Set with <see cref="FailRandomly"/>.
    /// </summary>
    public double FailureRate { get; private set; }

    /// <summary>Connections dropped so far.</summary>
    public long Drops => Interlocked.Read(ref _drops);

    /// <summary>Calls or streams failed by injection so far.</summary>
    public long InjectedFailures => Interlocked.Read(ref _injectedFailures);

    /// <summary>From now on fails each call with probability <paramref name="rate"/> (UNAVAILABLE, as an overloaded or restarting Engram answers).</summary>
    public void FailRandomly(double rate, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rate, 1);
        lock (_randomLock)
        {
            _random = new Random(seed);
            FailureRate = rate;
        }
    }

    /// <summary>Fails the next <paramref name="count"/> calls of <paramref name="method"/> ("*" for any) with <paramref name="code"/>.</summary>
    public void FailNextCalls(string method, StatusCode code, int count, string detail = "injected failure")
    {
        for (var i = 0; i < count; i++)
        {
            _callFailures.Enqueue((method, code, detail));
        }
    }

    /// <summary>After <paramref name="records"/> more streamed records are stored, ends that stream with <paramref name="code"/> before acknowledging the last one.</summary>
    public void FailStreamAfter(int records, StatusCode code = StatusCode.Unavailable)
    {
        _failStreamCode = code;
        Interlocked.Exchange(ref _failStreamCountdown, records);
    }

    /// <summary>After <paramref name="records"/> more streamed records are stored, drops the connection before acknowledging the last one.</summary>
    public void DropConnectionAfter(int records) => Interlocked.Exchange(ref _dropCountdown, records);

    /// <summary>Pressure values Introspect reports, one per call, before falling back to <see cref="Pressure"/>.</summary>
    public void ScriptPressure(params float[] values)
    {
        foreach (var value in values)
        {
            _pressureScript.Enqueue(value);
        }
    }

    internal async Task BeforeCallAsync(string method, CancellationToken cancellationToken)
    {
        if (CallLatency > TimeSpan.Zero)
        {
            await Task.Delay(CallLatency, cancellationToken);
        }

        if (_callFailures.TryPeek(out var failure) && (failure.Method == "*" || failure.Method == method) && _callFailures.TryDequeue(out failure))
        {
            Interlocked.Increment(ref _injectedFailures);
            throw new RpcException(new Status(failure.Code, failure.Detail));
        }

        if (FailureRate > 0)
        {
            bool fail;
            lock (_randomLock)
            {
                fail = _random.NextDouble() < FailureRate;
            }

            if (fail)
            {
                Interlocked.Increment(ref _injectedFailures);
                throw new RpcException(new Status(StatusCode.Unavailable, "injected random failure"));
            }
        }
    }

    internal async Task BeforeRecordAsync(CancellationToken cancellationToken)
    {
        if (RecordLatency > TimeSpan.Zero)
        {
            await Task.Delay(RecordLatency, cancellationToken);
        }
    }

    internal string? RefusalOf(RememberRequest request) => RejectWhen?.Invoke(request);

    /// <summary>Called after a streamed record was stored and before its acknowledgement is written.</summary>
    internal void AfterRecordStored(ServerCallContext context)
    {
        if (Interlocked.Decrement(ref _dropCountdown) == 0)
        {
            Interlocked.Increment(ref _drops);
            var http = context.GetHttpContext();
            if (!(AbortConnection?.Invoke(http.Connection.Id) ?? false))
            {
                http.Abort();
            }

            throw new RpcException(new Status(StatusCode.Unavailable, "injected dropped connection"));
        }

        if (Interlocked.Decrement(ref _failStreamCountdown) == 0)
        {
            Interlocked.Increment(ref _injectedFailures);
            throw new RpcException(new Status(_failStreamCode, "injected stream failure"));
        }
    }

    /// <summary>Set by the server: aborts the TCP connection with the given id; false when it is unknown.</summary>
    internal Func<string, bool>? AbortConnection { get; set; }

    internal float NextPressure() => _pressureScript.TryDequeue(out var value) ? value : Pressure;
}
