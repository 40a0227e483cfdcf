using EngramBulkLoad.Embedding;
using EngramBulkLoad.Embedding.Lexical;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>
/// The lexical embedder with scripted faults: a text containing "POISON" makes the whole call fail for
/// good, "BROKEN" gets a NaN vector, and after <see cref="FailAfterCalls"/> calls every call fails as an
/// outage would. Counts the texts it embedded.
/// </summary>
internal sealed class ScriptedEmbedder(string modelId = LexicalEmbedder.ModelId) : ITextEmbedder
{
    private readonly LexicalEmbedder _inner = new();
    private int _calls;
    private int _texts;

    public EmbedderInfo Info => _inner.Info with { ModelId = modelId };

    public int? FailAfterCalls { get; set; }

    public int Texts => Volatile.Read(ref _texts);

    public async Task<IReadOnlyList<EmbeddingOutput>> EmbedAsync(IReadOnlyList<EmbeddingInput> items, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) > FailAfterCalls)
        {
            throw new EmbeddingException("the embedding service is unavailable (scripted outage).", isTransient: true);
        }

        if (items.Any(item => item.Text.Contains("POISON", StringComparison.Ordinal)))
        {
            throw new EmbeddingException("the service refused the text (scripted).");
        }

        var outputs = await _inner.EmbedAsync(items, cancellationToken);
        Interlocked.Add(ref _texts, items.Count);
        return [.. outputs.Select((output, i) => items[i].Text.Contains("BROKEN", StringComparison.Ordinal) ? output with { Vector = [.. output.Vector.Select(_ => float.NaN)] } : output)];
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
