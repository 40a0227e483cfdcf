using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EngramBulkLoad.Embedding.Service.Metrics;

/// <summary>
/// The service's instruments, on a System.Diagnostics.Metrics meter named
/// <see cref="MeterName"/> (so OpenTelemetry can collect them too), exported for Prometheus by
/// <see cref="PrometheusTextExporter"/>. Every instrument is tagged with the model id.
/// </summary>
internal sealed class EmbeddingMetrics : IDisposable
{
    public const string MeterName = "EngramBulkLoad.Embedding.Service";

    private readonly ConcurrentDictionary<string, (Func<long> Texts, Func<long> Tokens)> _admitted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<double>> _rates = new(StringComparer.Ordinal);
    private readonly Counter<long> _texts;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _truncated;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _oomSplits;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _wasted;
    private readonly Histogram<int> _batchTexts;
    private readonly Histogram<int> _batchTokens;
    private readonly Histogram<double> _padding;
    private readonly Histogram<double> _tokenizeSeconds;
    private readonly Histogram<double> _inferenceSeconds;
    private Inference.CudaDeviceMemory? _cudaMemory;
    private long? _cudaMemoryLimit;

    public EmbeddingMetrics()
    {
        Meter = new Meter(MeterName);
        Meter.CreateObservableGauge("embedding_admitted_texts", () => Observe(a => a.Texts), "{text}", "Texts admitted and not yet answered (waiting, being tokenized or running), per model.");
        Meter.CreateObservableGauge("embedding_admitted_tokens", () => Observe(a => a.Tokens), "{token}", "Tokens admitted and not yet answered (estimated until tokenized), per model.");
        Meter.CreateObservableGauge("embedding_throughput_tokens_per_second", () => _rates.Select(r => new Measurement<double>(r.Value(), Model(r.Key))), "{token}/s", "Recent real tokens per second of the batcher, which admission uses to judge deadlines.");
        _texts = Meter.CreateCounter<long>("embedding_texts_total", "{text}", "Texts embedded.");
        _tokens = Meter.CreateCounter<long>("embedding_tokens_total", "{token}", "Real (unpadded) tokens embedded.");
        _truncated = Meter.CreateCounter<long>("embedding_truncated_total", "{text}", "Texts cut to the model's maximum length.");
        _rejected = Meter.CreateCounter<long>("embedding_rejected_total", "{request}", "Requests refused before any work, by reason.");
        _dropped = Meter.CreateCounter<long>("embedding_dropped_total", "{request}", "Admitted requests not answered with vectors (expired, cancelled, failed), by reason.");
        _wasted = Meter.CreateCounter<long>("embedding_wasted_texts_total", "{text}", "Texts computed for requests that were then dropped, by reason.");
        _oomSplits = Meter.CreateCounter<long>("embedding_oom_splits_total", "{batch}", "Batches halved after running out of memory.");
        _batchTexts = Meter.CreateHistogram<int>("embedding_batch_texts", "{text}", "Texts per inference batch.");
        _batchTokens = Meter.CreateHistogram<int>("embedding_batch_tokens", "{token}", "Padded tokens per inference batch.");
        _padding = Meter.CreateHistogram<double>("embedding_batch_padding_ratio", null, "Share of a batch's tokens that are padding.");
        _tokenizeSeconds = Meter.CreateHistogram<double>("embedding_tokenize_seconds", "s", "Time to tokenize one request.");
        _inferenceSeconds = Meter.CreateHistogram<double>("embedding_inference_seconds", "s", "Time to run one batch through the model.");
        Meter.CreateObservableGauge("embedding_gpu_memory_used_bytes", () => ObserveCuda(used: true), "By", "Memory in use on the service's CUDA device, by every process on it (cudaMemGetInfo); absent on CPU.");
        Meter.CreateObservableGauge("embedding_gpu_memory_total_bytes", () => ObserveCuda(used: false), "By", "Memory of the service's CUDA device; absent on CPU.");
        Meter.CreateObservableGauge("embedding_gpu_memory_limit_bytes", () => _cudaMemory is not null && _cudaMemoryLimit is { } limit ? [new Measurement<long>(limit)] : Array.Empty<Measurement<long>>(), "By", "The CUDA arena's configured limit (EmbeddingService:CudaMemoryLimitBytes); absent when unlimited or on CPU.");
    }

    public Meter Meter { get; }

    /// <summary>Reports the memory of a CUDA device once a model runs on it.</summary>
    public void WatchCudaDevice(int deviceId, long? limitBytes)
    {
        _cudaMemory ??= Inference.CudaDeviceMemory.TryOpen(deviceId);
        _cudaMemoryLimit = limitBytes;
    }

    public void RegisterAdmitted(string modelId, Func<long> texts, Func<long> tokens, Func<double> tokensPerSecond)
    {
        _admitted[modelId] = (texts, tokens);
        _rates[modelId] = tokensPerSecond;
    }

    public void Dropped(string modelId, string reason, int computedTexts)
    {
        KeyValuePair<string, object?>[] tags = [Model(modelId), new("reason", reason)];
        _dropped.Add(1, tags);
        if (computedTexts > 0)
        {
            _wasted.Add(computedTexts, tags);
        }
    }

    public void BatchRan(string modelId, int texts, int paddedTokens, int realTokens, TimeSpan elapsed)
    {
        var tag = Model(modelId);
        _batchTexts.Record(texts, tag);
        _batchTokens.Record(paddedTokens, tag);
        _padding.Record(paddedTokens == 0 ? 0 : 1.0 - ((double)realTokens / paddedTokens), tag);
        _inferenceSeconds.Record(elapsed.TotalSeconds, tag);
    }

    public void Embedded(string modelId, int texts, long tokens, int truncated)
    {
        var tag = Model(modelId);
        _texts.Add(texts, tag);
        _tokens.Add(tokens, tag);
        if (truncated > 0)
        {
            _truncated.Add(truncated, tag);
        }
    }

    public void Tokenized(string modelId, TimeSpan elapsed) => _tokenizeSeconds.Record(elapsed.TotalSeconds, Model(modelId));

    public void Rejected(string modelId, string reason)
        => _rejected.Add(1, new KeyValuePair<string, object?>("model", modelId), new KeyValuePair<string, object?>("reason", reason));

    public void OutOfMemorySplit(string modelId) => _oomSplits.Add(1, Model(modelId));

    private IEnumerable<Measurement<long>> ObserveCuda(bool used)
    {
        if (_cudaMemory?.Read() is { } memory)
        {
            yield return new Measurement<long>(used ? memory.Used : memory.Total);
        }
    }

    private IEnumerable<Measurement<long>> Observe(Func<(Func<long> Texts, Func<long> Tokens), Func<long>> pick)
        => _admitted.Select(a => new Measurement<long>(pick(a.Value)(), Model(a.Key)));

    private static KeyValuePair<string, object?> Model(string modelId) => new("model", modelId);

    public void Dispose() => Meter.Dispose();
}
