namespace EngramBulkLoad.Embedding.Service.Tokenization;

/// <summary>A text as the model sees it: token ids with the special tokens around them.</summary>
/// <param name="Ids">Token ids, start and end tokens included; never longer than the model's maximum.</param>
/// <param name="Truncated">True when content tokens were dropped to fit the maximum length.</param>
internal readonly record struct TokenizedText(int[] Ids, bool Truncated);
