using System.Diagnostics;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Engram.TestServer;
using EngramBulkLoad.Loading;

namespace EngramBulkLoad.Benchmarks.Loading;

/// <summary>One timed load of the whole snapshot into a fresh test server.</summary>
internal static class LoadRun
{
    public static async Task<Result> RunAsync(BenchSnapshot snapshot, int batchSize, int inFlight, int connections, CancellationToken cancellationToken)
    {
        await snapshot.ResetAsync(cancellationToken);
        // The server keeps ids and metadata but not the embeddings, so its memory does not hide the loader's.
        await using var server = await EngramTestServer.StartAsync(new EngramTestServerOptions { KeepEmbeddings = false, KeepRequests = false, Capacity = 0 }, cancellationToken: cancellationToken);
        var options = new EngramOptions
        {
            Address = server.Address,
            MemorySpaceId = "bench",
            BatchSize = batchSize,
            MaxBatchesInFlight = inFlight,
            Connections = connections,
            ApiKeyEnvironmentVariable = "EBL_BENCH_NO_KEY",
        }.Validate();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var sampler = new PeakSampler();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var report = await LoadStage.RunAsync(snapshot.Store, options, TimeProvider.System, null, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        if (server.Store.Count("bench") != report.RecordsLoaded || !report.Reconciles)
        {
            throw new InvalidOperationException($"Load incomplete: server holds {server.Store.Count("bench")}, report says {report.RecordsLoaded}.");
        }

        return new Result(report.RecordsLoaded, seconds, cpu, sampler.Peak, report.Retries);
    }

    internal sealed record Result(long Records, double Seconds, double CpuSeconds, long PeakWorkingSet, long Retries);

    /// <summary>Samples the process working set every 50 ms; Process.PeakWorkingSet64 never goes down between runs.</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;

        public PeakSampler()
        {
            Sample();
            _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(50));
        }

        public long Peak
        {
            get
            {
                Sample();
                return Interlocked.Read(ref _peak);
            }
        }

        public void Dispose() => _timer.Dispose();

        private void Sample()
        {
            using var process = Process.GetCurrentProcess();
            var now = process.WorkingSet64;
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }
    }
}
