using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace EngramBulkLoad.Embedding.Service.Inference;

/// <summary>Which provider a session ended up on, and why.</summary>
/// <param name="Provider">"CUDAExecutionProvider" or "CPUExecutionProvider".</param>
/// <param name="Reason">Why, in words, for the startup log.</param>
internal sealed record ProviderChoice(string Provider, string Reason);

/// <summary>
/// Creates ONNX Runtime sessions on CUDA when it can start and on CPU otherwise. The GPU package runs
/// on CPU when the CUDA 13 / cuDNN 9 libraries are absent: appending the CUDA provider then fails, and
/// that failure is the signal to fall back.
/// </summary>
internal sealed class ExecutionProviderChooser
{
    public const string Cuda = "CUDAExecutionProvider";
    public const string Cpu = "CPUExecutionProvider";

    private readonly ExecutionProviderPreference _preference;
    private readonly int _deviceId;
    private readonly int _intraOpThreads;
    private readonly ILogger _logger;
    private readonly Action<SessionOptions, int> _appendCuda;
    private readonly bool _allowSpinning;

    private readonly long? _cudaMemoryLimitBytes;

    // appendCuda adds the CUDA provider to a session's options; tests replace it to simulate a machine without CUDA.
    public ExecutionProviderChooser(ExecutionProviderPreference preference, int deviceId, int intraOpThreads, ILogger logger, Action<SessionOptions, int>? appendCuda = null, bool allowSpinning = false, long? cudaMemoryLimitBytes = null)
    {
        _cudaMemoryLimitBytes = cudaMemoryLimitBytes;
        _allowSpinning = allowSpinning;
        _preference = preference;
        _deviceId = deviceId;
        _intraOpThreads = intraOpThreads;
        _logger = logger;
        _appendCuda = appendCuda ?? AppendCuda;
    }

    /// <summary>The CUDA settings a session opened on CUDA runs under, in words, for Info and the startup log.</summary>
    public string CudaSettings => _cudaMemoryLimitBytes is { } limit
        ? $"CUDA device {_deviceId}, memory limit {limit / (1024 * 1024)} MiB"
        : $"CUDA device {_deviceId}, no memory limit";

    /// <summary>
    /// Opens <paramref name="modelFile"/> (or <paramref name="fp16ModelFile"/> on CUDA when chosen) and
    /// reports the provider and precision actually used.
    /// </summary>
    public (InferenceSession Session, ProviderChoice Choice, string Precision) Open(string modelId, string modelFile, string? fp16ModelFile, PrecisionPreference precision)
    {
        if (_preference != ExecutionProviderPreference.Cpu)
        {
            var cudaFailure = TryOpenCuda(modelFile, fp16ModelFile, precision, out var opened);
            if (opened is { } cuda)
            {
                _logger.LogInformation("Model {ModelId}: execution provider {Provider} on device {Device}, precision {Precision}.", modelId, Cuda, _deviceId, cuda.Precision);
                return (cuda.Session, new ProviderChoice(Cuda, CudaSettings), cuda.Precision);
            }

            if (_preference == ExecutionProviderPreference.Cuda)
            {
                throw ErrorFactory.Config("EmbeddingService:ExecutionProvider", $"is Cuda, but the CUDA execution provider could not start: {cudaFailure}", "Install the CUDA 13 and cuDNN 9 libraries and expose the GPU (docker run --gpus all), or set ExecutionProvider to Auto or Cpu.");
            }

            var reason = $"CUDA unavailable ({FirstLine(cudaFailure)})";
            _logger.LogWarning("Model {ModelId}: execution provider {Provider}, precision fp32; {Reason}.", modelId, Cpu, reason);
            return (OpenCpu(modelFile, precision), new ProviderChoice(Cpu, reason), "fp32");
        }

        _logger.LogInformation("Model {ModelId}: execution provider {Provider}, precision fp32 (configured).", modelId, Cpu);
        return (OpenCpu(modelFile, precision), new ProviderChoice(Cpu, "configured"), "fp32");
    }

    private string? TryOpenCuda(string modelFile, string? fp16ModelFile, PrecisionPreference precision, out (InferenceSession Session, string Precision)? opened)
    {
        opened = null;
        var useFp16 = precision switch
        {
            PrecisionPreference.Fp16 => fp16ModelFile ?? throw ErrorFactory.Config("EmbeddingService:Precision", $"is Fp16, but '{Path.GetDirectoryName(modelFile)}' has no model_fp16.onnx.", "Export an fp16 model next to model.onnx, or set Precision to Auto."),
            PrecisionPreference.Auto => fp16ModelFile,
            _ => null,
        };
        var options = NewOptions();
        try
        {
            _appendCuda(options, _deviceId);
            var session = new InferenceSession(useFp16 ?? modelFile, options);
            opened = (session, useFp16 is null ? "fp32" : "fp16");
            return null;
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            return ex.Message;
        }
        finally
        {
            options.Dispose();
        }
    }

    private InferenceSession OpenCpu(string modelFile, PrecisionPreference precision)
    {
        // fp16 exports are slow on CPU (most kernels up-convert), so CPU always takes the fp32 file.
        _ = precision;
        using var options = NewOptions();
        return new InferenceSession(modelFile, options);
    }

    private SessionOptions NewOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (_intraOpThreads > 0)
        {
            options.IntraOpNumThreads = _intraOpThreads;
        }

        if (!_allowSpinning)
        {
            // Spinning intra-op threads burn the cores that request handling and tokenization need between runs.
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        return options;
    }

    private void AppendCuda(SessionOptions options, int device)
    {
        using var cuda = new OrtCUDAProviderOptions();
        var settings = new Dictionary<string, string> { ["device_id"] = device.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (_cudaMemoryLimitBytes is { } limit)
        {
            // kNextPowerOfTwo (the default) may reserve up to twice what a batch needs, which a limit would
            // turn into refusals of batches that fit; growing by what is asked keeps the limit meaningful.
            settings["gpu_mem_limit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["arena_extend_strategy"] = "kSameAsRequested";
        }

        cuda.UpdateOptions(settings);
        options.AppendExecutionProvider_CUDA(cuda);
    }

    private static string FirstLine(string? text)
    {
        text ??= "unknown error";
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }
}
