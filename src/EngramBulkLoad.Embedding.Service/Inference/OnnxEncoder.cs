using EngramBulkLoad.Errors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EngramBulkLoad.Embedding.Service.Inference;

/// <summary>
/// A sentence-transformers ONNX export run with ONNX Runtime: inputs input_ids, attention_mask and,
/// where the model has it, token_type_ids; output last_hidden_state or token_embeddings
/// [batch, sequence, hidden]; then the model's pooling (see <see cref="Pooling"/>).
/// </summary>
internal sealed class OnnxEncoder : IBatchInference, IDisposable
{
    private static readonly string[] OutputCandidates = ["token_embeddings", "last_hidden_state"];

    private readonly InferenceSession _session;
    private readonly int _padId;
    private readonly Pooling _pooling;
    private readonly bool _hasTokenTypes;
    private readonly TensorElementType _inputType;
    private readonly string _outputName;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    public OnnxEncoder(InferenceSession session, int padId, string modelId, int? configuredHidden, Pooling pooling)
    {
        _session = session;
        _padId = padId;
        _pooling = pooling;
        var inputs = session.InputMetadata;
        foreach (var required in new[] { "input_ids", "attention_mask" })
        {
            if (!inputs.ContainsKey(required))
            {
                throw ErrorFactory.Config("EmbeddingService:Models", $"model '{modelId}' has no input named '{required}'; its inputs are {string.Join(", ", inputs.Keys)}.", "Use a sentence-transformers or optimum feature-extraction export.");
            }
        }

        _hasTokenTypes = inputs.ContainsKey("token_type_ids");
        _inputType = inputs["input_ids"].ElementDataType;
        if (_inputType is not (TensorElementType.Int64 or TensorElementType.Int32))
        {
            throw ErrorFactory.Config("EmbeddingService:Models", $"model '{modelId}' takes input_ids as {_inputType}; int64 or int32 was expected.", "Re-export the model with integer token inputs.");
        }

        _outputName = OutputCandidates.FirstOrDefault(session.OutputMetadata.ContainsKey)
            ?? throw ErrorFactory.Config("EmbeddingService:Models", $"model '{modelId}' has neither a 'token_embeddings' nor a 'last_hidden_state' output; its outputs are {string.Join(", ", session.OutputMetadata.Keys)}.", "Export the model for feature extraction, so it returns the per-token hidden states.");
        var output = session.OutputMetadata[_outputName];
        if (output.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16))
        {
            throw ErrorFactory.Config("EmbeddingService:Models", $"model '{modelId}' returns {_outputName} as {output.ElementDataType}; float or float16 was expected.", "Re-export the model.");
        }

        var staticHidden = output.Dimensions.Length == 3 && output.Dimensions[2] > 0 ? output.Dimensions[2] : (int?)null;
        HiddenSize = staticHidden ?? configuredHidden
            ?? throw ErrorFactory.Config("EmbeddingService:Models", $"model '{modelId}' does not state its hidden size: the output's last dimension is symbolic and config.json has no hidden_size.", "Add hidden_size to config.json.");
        Dimension = pooling.OutputDimension(HiddenSize);
        _inputNames = _hasTokenTypes ? ["input_ids", "attention_mask", "token_type_ids"] : ["input_ids", "attention_mask"];
        _outputNames = [_outputName];
    }

    /// <summary>Values per token embedding.</summary>
    public int HiddenSize { get; }

    /// <summary>Values per pooled vector (the hidden size times the number of pooling modes).</summary>
    public int Dimension { get; }

    public float[][] Run(IReadOnlyList<int[]> sequences)
    {
        var batch = sequences.Count;
        var length = 0;
        var lengths = new int[batch];
        for (var b = 0; b < batch; b++)
        {
            lengths[b] = sequences[b].Length;
            length = Math.Max(length, lengths[b]);
        }

        long[] shape = [batch, length];
        using var ids = CreateInput(shape, (b, t) => t < lengths[b] ? sequences[b][t] : _padId);
        using var mask = CreateInput(shape, (b, t) => t < lengths[b] ? 1 : 0);
        using var types = _hasTokenTypes ? CreateInput(shape, (_, _) => 0) : null;
        OrtValue[] inputs = types is null ? [ids, mask] : [ids, mask, types];
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, _inputNames, inputs, _outputNames);
        var hidden = outputs[0];
        var outShape = hidden.GetTensorTypeAndShape().Shape;
        if (outShape.Length != 3 || outShape[0] != batch || outShape[1] != length || outShape[2] != HiddenSize)
        {
            throw new EmbeddingException($"The model returned {_outputName} of shape [{string.Join(", ", outShape)}]; [{batch}, {length}, {HiddenSize}] was expected. The export does not match its config.");
        }

        if (hidden.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float16)
        {
            var half = hidden.GetTensorDataAsSpan<Float16>();
            var widened = new float[half.Length];
            for (var i = 0; i < half.Length; i++)
            {
                widened[i] = half[i].ToFloat();
            }

            return _pooling.Apply(widened, lengths, length, HiddenSize);
        }

        return _pooling.Apply(hidden.GetTensorDataAsSpan<float>(), lengths, length, HiddenSize);
    }

    public bool IsOutOfMemory(Exception exception) => IsOutOfMemoryError(exception);

    /// <summary>Recognizes ONNX Runtime's allocation failures on CPU and CUDA.</summary>
    internal static bool IsOutOfMemoryError(Exception exception)
    {
        if (exception is OutOfMemoryException or InsufficientMemoryException)
        {
            return true;
        }

        // ONNX Runtime reports allocation failures as OnnxRuntimeException with the provider's message;
        // the message is what tells them apart from other failures.
        var message = exception.Message;
        return (message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
                || message.Contains("Failed to allocate memory", StringComparison.OrdinalIgnoreCase)
                || message.Contains("CUBLAS_STATUS_ALLOC_FAILED", StringComparison.Ordinal)
                || message.Contains("cudaErrorMemoryAllocation", StringComparison.Ordinal)
                || message.Contains("bad_alloc", StringComparison.Ordinal))
            && exception is not ArgumentException;
    }

    private OrtValue CreateInput(long[] shape, Func<int, int, int> value)
    {
        var batch = (int)shape[0];
        var length = (int)shape[1];
        if (_inputType == TensorElementType.Int64)
        {
            var data = new long[batch * length];
            Fill(data, batch, length, value);
            return OrtValue.CreateTensorValueFromMemory(data, shape);
        }

        var narrow = new int[batch * length];
        Fill(narrow, batch, length, value);
        return OrtValue.CreateTensorValueFromMemory(narrow, shape);
    }

    private static void Fill<T>(T[] data, int batch, int length, Func<int, int, int> value)
        where T : System.Numerics.INumber<T>
    {
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < length; t++)
            {
                data[(b * length) + t] = T.CreateTruncating(value(b, t));
            }
        }
    }

    public void Dispose() => _session.Dispose();
}
