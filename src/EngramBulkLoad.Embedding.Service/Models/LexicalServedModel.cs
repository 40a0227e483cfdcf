using EngramBulkLoad.Embedding.Lexical;
using EngramBulkLoad.Embedding.Service.Batching;
using EngramBulkLoad.Embedding.Service.Metrics;

namespace EngramBulkLoad.Embedding.Service.Models;

/// <summary>Serves the offline <see cref="LexicalEmbedder"/>, so the service runs without model files.</summary>
internal sealed class LexicalServedModel(EmbeddingMetrics metrics) : IServedModel
{
    private readonly LexicalEmbedder _embedder = new();

    public EmbedderInfo Info => _embedder.Info;

    public TextPipeline Pipeline { get; } = new("hashing", "n/a", Normalized: true, Prompt: string.Empty, PoolingIncludesPrompt: true, LowerCase: true, Source: "n/a");

    public string Device => "none";

    // Hashing costs about as much as the admission check would; it runs on the request thread without a queue.
    public Task<EmbeddedText[]> EmbedAsync(IReadOnlyList<string> texts, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var results = new EmbeddedText[texts.Count];
        long tokens = 0;
        var truncated = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var output = _embedder.Embed(new EmbeddingInput(string.Empty, texts[i]));
            results[i] = new EmbeddedText(output.Vector, output.TokenCount, output.Truncated);
            tokens += output.TokenCount;
            truncated += output.Truncated ? 1 : 0;
        }

        metrics.Embedded(Info.ModelId, texts.Count, tokens, truncated);
        return Task.FromResult(results);
    }

    public ValueTask DisposeAsync() => _embedder.DisposeAsync();
}
