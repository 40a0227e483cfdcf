using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Benchmarks.Embedding;

/// <summary>
/// The service under a burst (issue 20). In one process: the service with the harness's ONNX test model,
/// then two phases of gRPC callers, each with its own channel as separate job shards would have.
/// 1. Unloaded: a few closed-loop callers for a while, waiting as asked when refused; their texts/s is the capacity.
/// 2. Burst: N callers send M-text requests open loop (each on its own schedule, not waiting for answers)
///    at LOAD times the capacity for T seconds, each call with a gRPC deadline of D seconds; refused
///    calls are not retried (their retries would be part of the offered load).
/// Reports OK (answered within the deadline), refused (RESOURCE_EXHAUSTED), expired (DEADLINE_EXCEEDED, or
/// answered late), goodput (texts delivered within the deadline per second), wasted computation (texts the
/// service computed, from its metrics, that were not delivered in time), p50/p99 latency of admitted
/// (not refused) calls, and the process's peak RSS. Service settings come from --set Key=Value
/// (configuration keys under EmbeddingService, e.g. --set Batching:MaxLatency=00:00:10), so the same file
/// runs against older versions of the service, which ignore keys they do not know.
/// </summary>
internal static class BurstHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var callers = Int(args, "--callers", 16);
        var perCall = Int(args, "--per-call", 64);
        var seconds = Int(args, "--seconds", 30);
        var load = Double(args, "--load", 4);
        var deadline = TimeSpan.FromSeconds(Double(args, "--deadline", 10));
        var unloadedSeconds = Int(args, "--unloaded-seconds", 15);
        var unloadedCallers = Int(args, "--unloaded-callers", 4);
        var label = Text(args, "--label", "run");
        var folder = Path.Combine(Path.GetTempPath(), "engram-embedding-burst", Guid.NewGuid().ToString("N"));
        var vocabulary = Corpus.Vocabulary(8000);
        ModelFolderWriter.Write(folder, TokenizerFamily.WordPieceMpnet, Int(args, "--hidden", 384), Int(args, "--layers", 2), 384, extraWords: vocabulary);
        var texts = Corpus.Texts(4096, vocabulary, seed: 42);
        try
        {
            var options = Options(args, folder);
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
            builder.Logging.ClearProviders();
            var (app, endpoints) = await EmbeddingServer.CreateAsync(builder, options, chooser: null, CancellationToken.None);
            await using (app)
            {
                await app.StartAsync();
                using var metrics = new HttpClient { BaseAddress = endpoints.MetricsAddress };
                var channels = Enumerable.Range(0, Math.Max(callers, unloadedCallers)).Select(_ => GrpcChannel.ForAddress(endpoints.GrpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 })).ToArray();
                try
                {
                    // Warm-up: the first calls pay for JIT and ONNX Runtime's first runs.
                    await ClosedLoopAsync(channels, 2, perCall, texts, TimeSpan.FromSeconds(3));
                    var unloaded = await ClosedLoopAsync(channels, unloadedCallers, perCall, texts, TimeSpan.FromSeconds(unloadedSeconds));
                    var capacity = unloaded.Texts / unloaded.Elapsed.TotalSeconds;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Unloaded: {unloadedCallers} closed-loop callers x {perCall} texts for {unloaded.Elapsed.TotalSeconds:F1} s: {capacity:F1} texts/s; latency p50 {Percentile(unloaded.Latencies, 0.5):F2} s, p99 {Percentile(unloaded.Latencies, 0.99):F2} s."));

                    var computedBefore = await ScrapeAsync(metrics, "embedding_batch_texts_sum");
                    var burst = await OpenLoopAsync(channels, callers, perCall, texts, load * capacity, TimeSpan.FromSeconds(seconds), deadline);
                    var computed = await ScrapeAsync(metrics, "embedding_batch_texts_sum") - computedBefore;
                    var goodput = burst.OkTexts / burst.Elapsed.TotalSeconds;
                    var wasted = computed <= 0 ? 0 : Math.Max(0, computed - burst.OkTexts) / computed;
                    var (peak, current) = Rss();
                    var served = (await metrics.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Split('\n').Where(l => l.StartsWith("embedding_dropped_total", StringComparison.Ordinal) || l.StartsWith("embedding_rejected_total", StringComparison.Ordinal) || l.StartsWith("embedding_throughput", StringComparison.Ordinal));
                    Console.WriteLine("  service: " + string.Join("; ", served));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Burst: {callers} callers x {perCall} texts, offered {load:F1} x capacity ({load * capacity:F0} texts/s) for {seconds} s, deadline {deadline.TotalSeconds:F0} s; all answered after {burst.Elapsed.TotalSeconds:F1} s."));
                    Console.WriteLine($"  calls: {burst.Sent} sent, {burst.Ok} OK in time, {burst.Refused} refused, {burst.Expired} expired, {burst.Other} other ({string.Join(", ", burst.OtherCodes.Select(kv => $"{kv.Key} {kv.Value}"))})");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  texts computed {computed:F0}, delivered in time {burst.OkTexts}, wasted {wasted:P1}; admitted latency p50 {Percentile(burst.AdmittedLatencies, 0.5):F2} s, p99 {Percentile(burst.AdmittedLatencies, 0.99):F2} s; refusal latency p50 {Percentile(burst.RefusedLatencies, 0.5) * 1000:F1} ms"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  goodput {goodput:F1} texts/s = {goodput / capacity:P0} of unloaded; peak RSS {peak / 1048576.0:F0} MiB (now {current / 1048576.0:F0} MiB)"));
                    Console.WriteLine();
                    Console.WriteLine("| Run | Unloaded texts/s | Offered | OK | Refused | Expired | Goodput texts/s (of unloaded) | Wasted | Admitted p50 / p99 s | Peak RSS MiB |");
                    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {capacity:F1} | {load:F0}x | {burst.Ok} | {burst.Refused} | {burst.Expired} | {goodput:F1} ({goodput / capacity:P0}) | {wasted:P1} | {Percentile(burst.AdmittedLatencies, 0.5):F2} / {Percentile(burst.AdmittedLatencies, 0.99):F2} | {peak / 1048576.0:F0} |"));
                }
                finally
                {
                    foreach (var channel in channels)
                    {
                        channel.Dispose();
                    }
                }

                await app.StopAsync();
            }

            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleaner.
            }
        }
    }

    private static EmbeddingServiceOptions Options(string[] args, string folder)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--set" && args[i + 1].Split('=', 2) is [var key, var value])
            {
                settings[key] = value;
            }
        }

        var options = new ConfigurationBuilder().AddInMemoryCollection(settings).Build().Get<EmbeddingServiceOptions>() ?? new EmbeddingServiceOptions();
        options.Models = [new ModelFolderOptions { Path = folder }];
        options.ServeLexical = false;
        options.ListenAddress = "127.0.0.1";
        options.GrpcPort = 0;
        options.MetricsPort = 0;
        return options;
    }

    private static EmbedRequest Request(string[] texts, int start, int count)
    {
        var request = new EmbedRequest();
        for (var i = 0; i < count; i++)
        {
            var index = (start + i) % texts.Length;
            request.Items.Add(new TextItem { Id = index.ToString(CultureInfo.InvariantCulture), Text = texts[index] });
        }

        return request;
    }

    private static async Task<(long Texts, TimeSpan Elapsed, List<double> Latencies)> ClosedLoopAsync(GrpcChannel[] channels, int callers, int perCall, string[] texts, TimeSpan duration)
    {
        long done = 0;
        var next = 0;
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var client = new EmbeddingService.EmbeddingServiceClient(channels[c]);
            while (clock.Elapsed < duration)
            {
                var started = clock.Elapsed;
                try
                {
                    var response = await client.EmbedAsync(Request(texts, Interlocked.Add(ref next, perCall), perCall));
                    latencies.Add((clock.Elapsed - started).TotalSeconds);
                    Interlocked.Add(ref done, response.Embeddings.Count);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
                {
                    // A well-behaved caller: waits as long as the service asks (gRPC's pushback trailer), else 100 ms.
                    var pushback = ex.Trailers.GetValue("grpc-retry-pushback-ms");
                    await Task.Delay(TimeSpan.FromMilliseconds(long.TryParse(pushback, CultureInfo.InvariantCulture, out var ms) ? ms : 100));
                }
            }
        })));
        return (done, clock.Elapsed, latencies.ToList());
    }

    private sealed class BurstResult
    {
        public long Sent;
        public long Ok;
        public long OkTexts;
        public long Refused;
        public long Expired;
        public long Other;

        public ConcurrentDictionary<StatusCode, int> OtherCodes { get; } = new();

        public ConcurrentBag<double> AdmittedLatencies { get; } = [];

        public ConcurrentBag<double> RefusedLatencies { get; } = [];

        public TimeSpan Elapsed { get; set; }
    }

    private static async Task<BurstResult> OpenLoopAsync(GrpcChannel[] channels, int callers, int perCall, string[] texts, double textsPerSecond, TimeSpan duration, TimeSpan deadline)
    {
        var result = new BurstResult();
        var next = 0;
        var interval = TimeSpan.FromSeconds(callers * perCall / textsPerSecond);
        var calls = new ConcurrentBag<Task>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var client = new EmbeddingService.EmbeddingServiceClient(channels[c]);
            // Callers start spread over one interval, as independent shards would.
            var due = interval * c / callers;
            while (due < duration)
            {
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                calls.Add(CallAsync(client, Request(texts, Interlocked.Add(ref next, perCall), perCall), deadline, clock, result));
                due += interval;
            }
        })));
        await Task.WhenAll(calls);
        result.Elapsed = clock.Elapsed;
        return result;
    }

    private static async Task CallAsync(EmbeddingService.EmbeddingServiceClient client, EmbedRequest request, TimeSpan deadline, Stopwatch clock, BurstResult result)
    {
        Interlocked.Increment(ref result.Sent);
        var started = clock.Elapsed;
        try
        {
            var response = await client.EmbedAsync(request, deadline: DateTime.UtcNow + deadline);
            var latency = clock.Elapsed - started;
            result.AdmittedLatencies.Add(latency.TotalSeconds);
            if (latency <= deadline)
            {
                Interlocked.Increment(ref result.Ok);
                Interlocked.Add(ref result.OkTexts, response.Embeddings.Count);
            }
            else
            {
                Interlocked.Increment(ref result.Expired);
            }
        }
        catch (RpcException ex)
        {
            var latency = (clock.Elapsed - started).TotalSeconds;
            switch (ex.StatusCode)
            {
                case StatusCode.ResourceExhausted when !ex.Status.Detail.Contains("could not answer within", StringComparison.Ordinal):
                    // Refused at the door (queue full, or the deadline could not be met); a RESOURCE_EXHAUSTED
                    // saying it could not answer in time is an admitted call the service dropped at its deadline.
                    Interlocked.Increment(ref result.Refused);
                    result.RefusedLatencies.Add(latency);
                    break;
                case StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted:
                    Interlocked.Increment(ref result.Expired);
                    result.AdmittedLatencies.Add(latency);
                    break;
                default:
                    Interlocked.Increment(ref result.Other);
                    result.OtherCodes.AddOrUpdate(ex.StatusCode, 1, (_, n) => n + 1);
                    break;
            }
        }
    }

    private static async Task<double> ScrapeAsync(HttpClient http, string prefix)
    {
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        return text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private static (long Peak, long Current) Rss()
    {
        long Field(string name) => File.ReadLines("/proc/self/status").Where(l => l.StartsWith(name, StringComparison.Ordinal)).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024).FirstOrDefault();
        return (Field("VmHWM:"), Field("VmRSS:"));
    }

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    private static int Int(string[] args, string name, int fallback) => int.Parse(Text(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static double Double(string[] args, string name, double fallback) => double.Parse(Text(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    private static string Text(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
