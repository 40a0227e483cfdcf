namespace EngramBulkLoad.Embedding;

/// <summary>One text to embed.</summary>
/// <param name="Id">The caller's id, returned unchanged with the result (the memory id, typically).</param>
/// <param name="Text">The text. Never logged.</param>
public readonly record struct EmbeddingInput(string Id, string Text);

/// <summary>The embedding of one <see cref="EmbeddingInput"/>.</summary>
/// <param name="Id">The input's id.</param>
/// <param name="Vector">Unit-length vector of the model's dimension.</param>
/// <param name="TokenCount">Tokens the model saw, special tokens included.</param>
/// <param name="Truncated">True when the text exceeded the model's maximum length and was cut.</param>
public sealed record EmbeddingOutput(string Id, float[] Vector, int TokenCount, bool Truncated);
