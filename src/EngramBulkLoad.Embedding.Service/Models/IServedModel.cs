using EngramBulkLoad.Embedding.Service.Batching;

namespace EngramBulkLoad.Embedding.Service.Models;

/// <summary>A model the service answers with: an ONNX model behind the batcher, or the lexical embedder.</summary>
internal interface IServedModel : IAsyncDisposable
{
    EmbedderInfo Info { get; }

    /// <summary>"wordpiece", "bpe", "sentencepiece" or "hashing".</summary>
    string TokenizerKind { get; }

    /// <summary>Where inference runs and under which limits, e.g. "CUDA device 0, memory limit 4096 MiB", "CPU", or "none".</summary>
    string Device { get; }

    /// <summary>One result per text, in order. <paramref name="deadline"/> is the caller's gRPC deadline, if any.</summary>
    /// <exception cref="Admission.OverloadedException">Refused or dropped for overload.</exception>
    Task<EmbeddedText[]> EmbedAsync(IReadOnlyList<string> texts, DateTimeOffset? deadline, CancellationToken cancellationToken);
}
