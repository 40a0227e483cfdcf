namespace EngramBulkLoad.Embedding;

/// <summary>
/// The plug-in point for turning text into vectors: the offline <see cref="Lexical.LexicalEmbedder"/>,
/// the gRPC client of the embedding service, or anything else that honours the contract below.
/// </summary>
/// <remarks>
/// Contract: the result has one entry per input, in input order, each carrying the input's id; every
/// vector has <see cref="EmbedderInfo.Dimension"/> finite values and unit L2 norm. Implementations are
/// safe to call concurrently.
/// </remarks>
public interface ITextEmbedder : IAsyncDisposable
{
    /// <summary>Which model produces the vectors; recorded next to every vector in the snapshot.</summary>
    EmbedderInfo Info { get; }

    /// <summary>Embeds a batch of texts; the result lists one output per input, in input order.</summary>
    Task<IReadOnlyList<EmbeddingOutput>> EmbedAsync(IReadOnlyList<EmbeddingInput> items, CancellationToken cancellationToken);
}
