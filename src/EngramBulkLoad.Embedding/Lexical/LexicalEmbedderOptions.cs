using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Lexical;

/// <summary>Settings of the <see cref="LexicalEmbedder"/>. Validated when the embedder is built.</summary>
public sealed class LexicalEmbedderOptions
{
    /// <summary>Words read from a text before it counts as truncated. Default 4096.</summary>
    public int MaxWords { get; init; } = 4096;

    /// <summary>Throws a <see cref="ConfigException"/> naming the bad setting.</summary>
    public void Validate()
    {
        if (MaxWords is < 1 or > 1_000_000)
        {
            throw ErrorFactory.Config("embedding.lexical.maxWords", $"must be between 1 and 1000000, found {MaxWords}.", "Use the default 4096 unless texts are very long.");
        }
    }
}
