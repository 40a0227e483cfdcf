namespace EngramBulkLoad.Embedding.TestModels;

/// <summary>The shape of a test encoder.</summary>
/// <param name="VocabularySize">Rows of the token embedding table.</param>
/// <param name="Hidden">Hidden size, which is the embedding dimension.</param>
/// <param name="Layers">Dense layers (MatMul, Add, Tanh) after the embeddings.</param>
/// <param name="HasTokenTypes">Whether the model takes token_type_ids (BERT does, MPNet and XLM-R do not).</param>
/// <param name="OutputName">"last_hidden_state" (optimum exports) or "token_embeddings" (sentence-transformers exports).</param>
/// <param name="Seed">Seed of the weights; the same spec always gives the same model.</param>
public sealed record EncoderSpec(int VocabularySize, int Hidden, int Layers, bool HasTokenTypes, string OutputName = "last_hidden_state", int Seed = 7);
