namespace EngramBulkLoad.Embedding;

/// <summary>Describes the model behind an <see cref="ITextEmbedder"/>.</summary>
/// <param name="ModelId">The id recorded next to every vector, e.g. "all-mpnet-base-v2" or "lexical-hash-768-v1".</param>
/// <param name="Dimension">Values per vector.</param>
/// <param name="Kind">"onnx" for a neural model, "lexical" for feature hashing (see <see cref="EmbedderKinds"/>).</param>
/// <param name="MaxSequenceLength">Tokens (or words, for lexical) beyond which a text is truncated.</param>
/// <param name="ExecutionProvider">Where inference runs ("CUDAExecutionProvider", "CPUExecutionProvider", "none").</param>
/// <param name="Precision">"fp32", "fp16" or "n/a".</param>
/// <param name="FilesHash">Hex SHA-256 over the model and tokenizer files; empty for lexical.</param>
public sealed record EmbedderInfo(
    string ModelId,
    int Dimension,
    string Kind,
    int MaxSequenceLength,
    string ExecutionProvider,
    string Precision,
    string FilesHash);

/// <summary>The values of <see cref="EmbedderInfo.Kind"/>.</summary>
public static class EmbedderKinds
{
    /// <summary>Deterministic feature hashing of words and character n-grams; no model files.</summary>
    public const string Lexical = "lexical";

    /// <summary>A transformer model run with ONNX Runtime.</summary>
    public const string Onnx = "onnx";
}

/// <summary>The dimension Engram accepts for an embedding (it refuses any other with INVALID_ARGUMENT).</summary>
public static class EngramDimensions
{
    /// <summary>768 floats per vector.</summary>
    public const int Required = 768;
}
