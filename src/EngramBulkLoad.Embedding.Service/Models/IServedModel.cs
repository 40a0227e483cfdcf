using EngramBulkLoad.Embedding.Service.Batching;

namespace EngramBulkLoad.Embedding.Service.Models;

/// <summary>A model the service answers with: an ONNX model behind the batcher, or the lexical embedder.</summary>
internal interface IServedModel : IAsyncDisposable
{
    EmbedderInfo Info { get; }

    /// <summary>How a text becomes a vector: tokenizer, prompt, pooling, normalization.</summary>
    TextPipeline Pipeline { get; }

    /// <summary>Where inference runs and under which limits, e.g. "CUDA device 0, memory limit 4096 MiB", "CPU", or "none".</summary>
    string Device { get; }

    /// <summary>One result per text, in order. <paramref name="deadline"/> is the caller's gRPC deadline, if any.</summary>
    /// <exception cref="Admission.OverloadedException">Refused or dropped for overload.</exception>
    Task<EmbeddedText[]> EmbedAsync(IReadOnlyList<string> texts, DateTimeOffset? deadline, CancellationToken cancellationToken);
}

/// <summary>How a served model turns a text into a vector, as Info reports it.</summary>
/// <param name="Tokenizer">"wordpiece", "bpe", "unigram", "wordlevel" or "hashing".</param>
/// <param name="Pooling">"cls", "mean", "max", ... joined by "+"; "n/a" for lexical.</param>
/// <param name="Normalized">Vectors are L2-normalized.</param>
/// <param name="Prompt">Put in front of every text; empty for none.</param>
/// <param name="PoolingIncludesPrompt">1_Pooling's include_prompt.</param>
/// <param name="LowerCase">sentence_bert_config.json's do_lower_case.</param>
/// <param name="Source">"modules.json", "defaults" or "n/a".</param>
internal sealed record TextPipeline(string Tokenizer, string Pooling, bool Normalized, string Prompt, bool PoolingIncludesPrompt, bool LowerCase, string Source);
