using System.Diagnostics;
using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Options;
using Grpc.Net.Client;

namespace EngramBulkLoad.Benchmarks.Gpu;

/// <summary>Settings of one kit run.</summary>
internal sealed record KitSettings(
    string ModelFolder,
    ExecutionProviderPreference Provider,
    string[] Texts,
    int CheckTexts,
    double SecondsPerPoint,
    int[] Callers,
    int[] TokenBudgets,
    int[] BatchTexts,
    int TextsPerCall,
    long OomLimitBytes);

/// <summary>Agreement of two sets of vectors of the same texts.</summary>
internal sealed record Agreement(string Compared, string Left, string Right, int Texts, double MinCosine, double MeanCosine, double Goal, bool Passed, string? Skipped = null);

/// <summary>One throughput point.</summary>
internal sealed record ThroughputPoint(string Precision, string Provider, int Callers, int TokenBudget, int MaxBatchTexts, int Texts, long Tokens, double Seconds, double TextsPerSecond, double TokensPerSecond, double PaddingShare, long Refused);

/// <summary>The out-of-memory check: a batch too large for the memory limit is split and retried.</summary>
internal sealed record OomCheck(long MemoryLimitBytes, int Texts, int TokensPerText, double Splits, double MinCosine, bool Passed, string? Error = null, string? Skipped = null);

/// <summary>The checks of benchmarks/gpu/README.md: (a) CUDA vs CPU vectors, (b) fp16 vs fp32, (c) throughput sweep, (e) out-of-memory split.</summary>
internal sealed class KitChecks(KitSettings settings)
{
    private const double CudaGoal = 0.9999;
    private const double Fp16Goal = 0.999;

    private static readonly BatchingOptions CheckBatching = new();

    public async Task<Agreement> ProviderAgreementAsync(CancellationToken cancellationToken)
    {
        var texts = settings.Texts.Take(settings.CheckTexts).ToArray();
        await using var cpu = await KitService.StartAsync(settings.ModelFolder, ExecutionProviderPreference.Cpu, PrecisionPreference.Fp32, CheckBatching, null, cancellationToken);
        await using var device = await KitService.StartAsync(settings.ModelFolder, settings.Provider, PrecisionPreference.Fp32, CheckBatching, null, cancellationToken);
        var reference = (await cpu.EmbedAsync(texts, cancellationToken)).Vectors;
        var measured = (await device.EmbedAsync(texts, cancellationToken)).Vectors;
        return Compare("provider", Describe(device.Model), Describe(cpu.Model), measured, reference, CudaGoal);
    }

    public async Task<Agreement> PrecisionAgreementAsync(CancellationToken cancellationToken)
    {
        var texts = settings.Texts.Take(settings.CheckTexts).ToArray();
        // The goal is fp16 on the GPU against the fp32 CPU vectors a CPU-only deployment would store.
        await using var fp32 = await KitService.StartAsync(settings.ModelFolder, ExecutionProviderPreference.Cpu, PrecisionPreference.Fp32, CheckBatching, null, cancellationToken);
        await using var fp16 = await KitService.StartAsync(settings.ModelFolder, settings.Provider, PrecisionPreference.Fp16, CheckBatching, null, cancellationToken);
        if (fp16.Model.Precision != "fp16")
        {
            // The CPU provider always takes the fp32 export (ExecutionProviderChooser): there is no fp16 run to compare.
            return new Agreement("precision", Describe(fp16.Model), Describe(fp32.Model), 0, 0, 0, Fp16Goal, Passed: true, Skipped: $"{fp16.Model.ExecutionProvider} runs the fp32 export; fp16 is checked on CUDA only");
        }

        var reference = (await fp32.EmbedAsync(texts, cancellationToken)).Vectors;
        var measured = (await fp16.EmbedAsync(texts, cancellationToken)).Vectors;
        return Compare("precision", Describe(fp16.Model), Describe(fp32.Model), measured, reference, Fp16Goal);
    }

    /// <summary>Every (precision, token budget, batch size) with every caller count, each for a fixed time.</summary>
    public async Task<List<ThroughputPoint>> ThroughputAsync(Action<ThroughputPoint> report, CancellationToken cancellationToken)
    {
        var points = new List<ThroughputPoint>();
        PrecisionPreference[] precisions = settings.Provider == ExecutionProviderPreference.Cpu ? [PrecisionPreference.Fp32] : [PrecisionPreference.Fp16, PrecisionPreference.Fp32];
        foreach (var precision in precisions)
        {
            foreach (var budget in settings.TokenBudgets)
            {
                foreach (var batchTexts in settings.BatchTexts)
                {
                    var batching = new BatchingOptions { TokenBudget = budget, MaxBatchTexts = batchTexts, SortWindow = Math.Max(1024, batchTexts), QueueCapacity = 65536 };
                    await using var service = await KitService.StartAsync(settings.ModelFolder, settings.Provider, precision, batching, null, cancellationToken);
                    _ = await service.EmbedAsync(settings.Texts.Take(256).ToArray(), cancellationToken);
                    foreach (var callers in settings.Callers)
                    {
                        var point = await MeasureAsync(service, callers, budget, batchTexts, cancellationToken);
                        points.Add(point);
                        report(point);
                    }
                }
            }
        }

        return points;
    }

    public async Task<OomCheck> OutOfMemoryAsync(CancellationToken cancellationToken)
    {
        if (settings.Provider == ExecutionProviderPreference.Cpu)
        {
            return new OomCheck(0, 0, 0, 0, 0, Passed: true, Skipped: "the CPU provider has no device memory limit to exceed; the split itself is covered by TokenBudgetBatcher's tests");
        }

        // One request of long texts in one batch: BERT's attention scores alone need batch x heads x length^2
        // floats, gigabytes here, which the memory limit cannot hold, so ONNX Runtime fails to allocate and
        // the batcher must halve the batch until it fits.
        var longTexts = settings.Texts.Where(t => t.Count(c => c == ' ') >= 400).ToArray();
        if (longTexts.Length == 0)
        {
            return new OomCheck(settings.OomLimitBytes, 0, 0, 0, 0, Passed: false, Error: "the corpus has no text of 400 words or more; give --texts 2000 or more");
        }

        var texts = Enumerable.Range(0, 1024).Select(i => longTexts[i % longTexts.Length]).ToArray();
        var huge = new BatchingOptions { TokenBudget = 4_000_000, MaxBatchTexts = 4096, SortWindow = 4096, QueueCapacity = 65536, MaxPaddingShare = 1 };
        float[][] reference;
        await using (var normal = await KitService.StartAsync(settings.ModelFolder, settings.Provider, PrecisionPreference.Fp32, CheckBatching, null, cancellationToken))
        {
            reference = (await normal.EmbedAsync(texts, cancellationToken)).Vectors;
        }

        await using var limited = await KitService.StartAsync(settings.ModelFolder, settings.Provider, PrecisionPreference.Fp32, huge, settings.OomLimitBytes, cancellationToken);
        try
        {
            var (vectors, tokens) = await limited.EmbedAsync(texts, cancellationToken);
            var splits = await limited.ScrapeAsync("embedding_oom_splits_total", cancellationToken);
            var agreement = Compare("oom", "split", "unsplit", vectors, reference, CudaGoal);
            return new OomCheck(settings.OomLimitBytes, texts.Length, (int)(tokens / texts.Length), splits, agreement.MinCosine, Passed: splits > 0 && agreement.Passed && vectors.Length == texts.Length);
        }
        catch (Grpc.Core.RpcException ex)
        {
            return new OomCheck(settings.OomLimitBytes, texts.Length, 0, 0, 0, Passed: false, Error: $"{ex.StatusCode}: {ex.Status.Detail}");
        }
    }

    private async Task<ThroughputPoint> MeasureAsync(KitService service, int callers, int budget, int batchTexts, CancellationToken cancellationToken)
    {
        var texts = settings.Texts;
        var padded = await service.ScrapeAsync("embedding_batch_tokens_sum", cancellationToken);
        var real = await service.ScrapeAsync("embedding_tokens_total", cancellationToken);
        var deadline = TimeSpan.FromSeconds(settings.SecondsPerPoint);
        long done = 0;
        long tokens = 0;
        long refused = 0;
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(
            async () =>
            {
                // Each caller has its own connection, as separate job shards would.
                using var channel = GrpcChannel.ForAddress(service.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024 });
                var client = new EmbeddingService.EmbeddingServiceClient(channel);
                while (stopwatch.Elapsed < deadline)
                {
                    var start = (int)((Interlocked.Increment(ref next) * (long)settings.TextsPerCall) % texts.Length);
                    var request = new EmbedRequest();
                    for (var i = 0; i < settings.TextsPerCall; i++)
                    {
                        request.Items.Add(new TextItem { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Text = texts[(start + i) % texts.Length] });
                    }

                    try
                    {
                        var response = await client.EmbedAsync(request, cancellationToken: cancellationToken);
                        Interlocked.Add(ref done, response.Embeddings.Count);
                        Interlocked.Add(ref tokens, response.Embeddings.Sum(e => (long)e.TokenCount));
                    }
                    catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.ResourceExhausted)
                    {
                        // Admission refused (the service's overload control): wait as the service asks, as the job's client does.
                        Interlocked.Increment(ref refused);
                        var hint = ex.Trailers.GetValue("grpc-retry-pushback-ms");
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, int.TryParse(hint, System.Globalization.CultureInfo.InvariantCulture, out var ms) ? ms : 50)), cancellationToken);
                    }
                }
            },
            cancellationToken)).ToArray();
        await Task.WhenAll(workers);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var paddedAfter = await service.ScrapeAsync("embedding_batch_tokens_sum", cancellationToken);
        var realAfter = await service.ScrapeAsync("embedding_tokens_total", cancellationToken);
        var padding = paddedAfter > padded ? 1 - ((realAfter - real) / (paddedAfter - padded)) : 0;
        return new ThroughputPoint(service.Model.Precision, service.Model.ExecutionProvider, callers, budget, batchTexts, (int)done, tokens, seconds, done / seconds, tokens / seconds, padding, refused);
    }

    private static Agreement Compare(string compared, string left, string right, float[][] measured, float[][] reference, double goal)
    {
        var cosines = measured.Zip(reference, Cosine).ToArray();
        var min = cosines.Length == 0 ? 0 : cosines.Min();
        return new Agreement(compared, left, right, cosines.Length, min, cosines.Length == 0 ? 0 : cosines.Average(), goal, cosines.Length == reference.Length && min >= goal);
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static string Describe(ModelInfo model) => $"{model.ExecutionProvider} {model.Precision}";
}
