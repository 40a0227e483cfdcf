using System.Diagnostics;
using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service;
using EngramBulkLoad.Embedding.Service.Batching;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Service.Tokenization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EngramBulkLoad.Benchmarks.Embedding;

/// <summary>Settings of one harness run.</summary>
internal sealed record HarnessSettings(int Texts, int Callers, int TextsPerCall, int Hidden, int Layers, int MaxLength, int Rounds, ExecutionProviderPreference Provider);

/// <summary>One measured pass.</summary>
internal sealed record Pass(string Name, int Texts, long Tokens, TimeSpan Elapsed)
{
    public double TextsPerSecond => Texts / Elapsed.TotalSeconds;

    public double TokensPerSecond => Tokens / Elapsed.TotalSeconds;
}

/// <summary>
/// Runs the same model twice over the same texts, in one process: directly (tokenize, batch by length
/// within the same token budget, ONNX Runtime session run after run) and through the service (gRPC over
/// loopback HTTP/2, several concurrent callers, cross-caller batching), and reports the ratio.
/// </summary>
internal sealed class ThroughputHarness(HarnessSettings settings, string modelFolder)
{
    private readonly BatchingOptions _batching = new() { TokenBudget = 16384, MaxBatchTexts = 256, QueueCapacity = 16384, SortWindow = 1024 };

    public async Task<(List<Pass> Direct, List<Pass> Service, string Provider, double MaxDifference)> RunAsync(string[] texts, CancellationToken cancellationToken)
    {
        var direct = new List<Pass>();
        var service = new List<Pass>();
        var (app, endpoints) = await StartServiceAsync(cancellationToken);
        await using (app)
        {
            using var directRunner = await DirectRunner.CreateAsync(modelFolder, settings.Provider, cancellationToken);
            var warmup = texts.Take(Math.Min(200, texts.Length)).ToArray();
            directRunner.Run(warmup, _batching);
            await RunServiceAsync(endpoints.GrpcAddress, warmup, cancellationToken);
            var difference = await CompareAsync(directRunner, endpoints.GrpcAddress, texts.Take(50).ToArray(), cancellationToken);
            for (var round = 0; round < settings.Rounds; round++)
            {
                // Alternate which path goes first, so a drift in machine load does not favour one of them.
                if (round % 2 == 1)
                {
                    service.Add(await MeasureServiceAsync(endpoints, texts, round, cancellationToken));
                }

                direct.Add(directRunner.Run(texts, _batching));
                Console.WriteLine($"  round {round + 1}: direct  {Describe(direct[^1])}; {directRunner.LastPlan}");
                if (round % 2 == 0)
                {
                    service.Add(await MeasureServiceAsync(endpoints, texts, round, cancellationToken));
                }

                Console.WriteLine($"  round {round + 1}: ratio {service[^1].TextsPerSecond / direct[^1].TextsPerSecond:F3}");
            }

            await app.StopAsync(cancellationToken);
            return (direct, service, directRunner.Provider, difference);
        }
    }

    private async Task<Pass> MeasureServiceAsync(ServerEndpoints endpoints, string[] texts, int round, CancellationToken cancellationToken)
    {
        var before = await ScrapeAsync(endpoints.MetricsAddress, cancellationToken);
        var pass = await RunServiceAsync(endpoints.GrpcAddress, texts, cancellationToken);
        var after = await ScrapeAsync(endpoints.MetricsAddress, cancellationToken);
        Console.WriteLine($"  round {round + 1}: service {Describe(pass)}; worker busy {after.InferenceSeconds - before.InferenceSeconds:F2} s in {after.Batches - before.Batches} batches, padding {1 - ((after.RealTokens - before.RealTokens) / (after.PaddedTokens - before.PaddedTokens)):P1}");
        return pass;
    }

    private static async Task<(double InferenceSeconds, double Batches, double PaddedTokens, double RealTokens)> ScrapeAsync(Uri metrics, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = metrics };
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
        double Value(string prefix) => text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Sum();
        return (Value("embedding_inference_seconds_sum"), Value("embedding_batch_texts_count"), Value("embedding_batch_tokens_sum"), Value("embedding_tokens_total"));
    }

    public static string Describe(Pass pass) => $"{pass.TextsPerSecond,8:F1} texts/s {pass.TokensPerSecond,10:F0} tokens/s ({pass.Elapsed.TotalSeconds:F2} s)";

    private async Task<(WebApplication App, ServerEndpoints Endpoints)> StartServiceAsync(CancellationToken cancellationToken)
    {
        var options = new EmbeddingServiceOptions
        {
            Models = [new ModelFolderOptions { Path = modelFolder }],
            ExecutionProvider = settings.Provider,
            ListenAddress = "127.0.0.1",
            GrpcPort = 0,
            MetricsPort = 0,
            Batching = _batching,
        };
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        var (app, endpoints) = await EmbeddingServer.CreateAsync(builder, options, chooser: null, cancellationToken);
        await app.StartAsync(cancellationToken);
        return (app, endpoints);
    }

    private async Task<Pass> RunServiceAsync(Uri address, string[] texts, CancellationToken cancellationToken)
    {
        var next = -1;
        long tokens = 0;
        var stopwatch = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, settings.Callers).Select(caller => Task.Run(
            async () =>
            {
                // Each caller is a separate client with its own connection, as separate job processes would be.
                using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
                var client = new EmbeddingService.EmbeddingServiceClient(channel);
                long mine = 0;
                while (true)
                {
                    var start = Interlocked.Increment(ref next) * settings.TextsPerCall;
                    if (start >= texts.Length)
                    {
                        break;
                    }

                    var request = new EmbedRequest();
                    for (var i = start; i < Math.Min(start + settings.TextsPerCall, texts.Length); i++)
                    {
                        request.Items.Add(new TextItem { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Text = texts[i] });
                    }

                    var response = await client.EmbedAsync(request, cancellationToken: cancellationToken);
                    foreach (var embedding in response.Embeddings)
                    {
                        mine += embedding.TokenCount;
                        _ = VectorCodec.Read(embedding);
                    }
                }

                Interlocked.Add(ref tokens, mine);
            },
            cancellationToken)).ToArray();
        await Task.WhenAll(callers);
        return new Pass("service", texts.Length, tokens, stopwatch.Elapsed);
    }

    private static async Task<double> CompareAsync(DirectRunner direct, Uri address, string[] texts, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new EmbeddingService.EmbeddingServiceClient(channel);
        var request = new EmbedRequest();
        request.Items.AddRange(texts.Select((t, i) => new TextItem { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Text = t }));
        var response = await client.EmbedAsync(request, cancellationToken: cancellationToken);
        var expected = direct.Embed(texts);
        var max = 0.0;
        for (var i = 0; i < texts.Length; i++)
        {
            var actual = VectorCodec.Read(response.Embeddings[i])!;
            max = Math.Max(max, actual.Zip(expected[i], (a, b) => (double)Math.Abs(a - b)).Max());
        }

        return max;
    }

    /// <summary>The model run directly: the same tokenizer and ONNX Runtime session setup, no service in between.</summary>
    private sealed class DirectRunner : IDisposable
    {
        private readonly TextTokenizer _tokenizer;
        private readonly OnnxEncoder _encoder;
        private readonly int _maxLength;

        private DirectRunner(TextTokenizer tokenizer, OnnxEncoder encoder, int maxLength, string provider)
        {
            _tokenizer = tokenizer;
            _encoder = encoder;
            _maxLength = maxLength;
            Provider = provider;
        }

        public string Provider { get; }

        public string LastPlan { get; private set; } = string.Empty;

        public static async Task<DirectRunner> CreateAsync(string path, ExecutionProviderPreference provider, CancellationToken cancellationToken)
        {
            var folder = await ModelFolder.LoadAsync(path, null, null, cancellationToken);
            var tokenizer = TokenizerLoader.Load(folder);
            // The same session settings as the service's defaults.
            var chooser = new ExecutionProviderChooser(provider, 0, 0, NullLogger.Instance, allowSpinning: false);
            var (session, choice, _) = chooser.Open(folder.Id, folder.ModelFile, folder.Fp16ModelFile, PrecisionPreference.Auto);
            return new DirectRunner(tokenizer, new OnnxEncoder(session, tokenizer.PadId, folder.Id, folder.ConfigInt("hidden_size"), folder.SentenceTransformer.Pooling), folder.MaxSequenceLength, choice.Provider);
        }

        /// <summary>The strongest direct baseline: the whole corpus sorted by length and packed by the same token budget.</summary>
        public Pass Run(string[] texts, BatchingOptions batching)
        {
            var stopwatch = Stopwatch.StartNew();
            var tokenized = texts.Select(t => _tokenizer.Encode(t, _maxLength).Ids).ToArray();
            long padded = 0;
            var batches = BatchPlanner.Plan(tokenized.Select(t => t.Length).ToArray(), batching.TokenBudget, batching.MaxBatchTexts, batching.MaxPaddingShare);
            foreach (var batch in batches)
            {
                _ = _encoder.Run(batch.Select(i => tokenized[i]).ToArray());
                padded += batch.Length * (long)batch.Max(i => tokenized[i].Length);
            }

            LastPlan = $"{batches.Count} batches, padding {1 - ((double)tokenized.Sum(t => (long)t.Length) / padded):P1}";

            return new Pass("direct", texts.Length, tokenized.Sum(t => (long)t.Length), stopwatch.Elapsed);
        }

        public float[][] Embed(string[] texts) => _encoder.Run(texts.Select(t => _tokenizer.Encode(t, _maxLength).Ids).ToArray());

        public void Dispose() => _encoder.Dispose();
    }
}
