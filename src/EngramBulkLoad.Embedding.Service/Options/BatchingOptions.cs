namespace EngramBulkLoad.Embedding.Service.Options;

/// <summary>How queued texts from all callers become inference batches.</summary>
public sealed class BatchingOptions
{
    /// <summary>
    /// Padded tokens in one batch (texts times the longest text's length). Default 16384: 64 texts of 256
    /// tokens, which fits a GPU comfortably and keeps CPU batches cache-friendly. Must be at least each
    /// model's maximum sequence length.
    /// </summary>
    public int TokenBudget { get; set; } = 16384;

    /// <summary>Texts in one batch, whatever their length. Default 256.</summary>
    public int MaxBatchTexts { get; set; } = 256;

    /// <summary>
    /// Texts waiting per model, across all callers. Default 16384. A request that does not fit is refused
    /// with RESOURCE_EXHAUSTED, which the client retries with backoff.
    /// </summary>
    public int QueueCapacity { get; set; } = 16384;

    /// <summary>
    /// Texts the batcher holds, taken off the queue, to choose batches of similar length from. Default 1024.
    /// Larger means less padding; the oldest text is always in the next batch, so nothing starves.
    /// </summary>
    public int SortWindow { get; set; } = 1024;

    /// <summary>
    /// Largest share of a batch's tokens that may be padding; a text that would push a batch past it
    /// starts the next batch instead. Default 0.2: on CPU every padded token costs as much as a real one,
    /// and on GPU a fifth is a fair price for larger batches. 1 turns the cap off.
    /// </summary>
    public double MaxPaddingShare { get; set; } = 0.2;

    internal void Validate(RequestLimitOptions limits)
    {
        EmbeddingServiceOptions.Require(TokenBudget is >= 8 and <= 10_000_000, "EmbeddingService:Batching:TokenBudget", $"must be between 8 and 10000000, found {TokenBudget}.", "The default is 16384.");
        EmbeddingServiceOptions.Require(MaxBatchTexts is >= 1 and <= 65536, "EmbeddingService:Batching:MaxBatchTexts", $"must be between 1 and 65536, found {MaxBatchTexts}.", "The default is 256.");
        EmbeddingServiceOptions.Require(MaxPaddingShare is > 0 and <= 1, "EmbeddingService:Batching:MaxPaddingShare", $"must be above 0 and at most 1, found {MaxPaddingShare}.", "The default is 0.2.");
        EmbeddingServiceOptions.Require(SortWindow >= MaxBatchTexts, "EmbeddingService:Batching:SortWindow", $"must be at least MaxBatchTexts ({MaxBatchTexts}), found {SortWindow}.", "The default is 1024.");
        EmbeddingServiceOptions.Require(QueueCapacity >= limits.MaxTextsPerRequest, "EmbeddingService:Batching:QueueCapacity", $"must hold at least one full request ({limits.MaxTextsPerRequest} texts), found {QueueCapacity}.", "Raise it or lower Limits:MaxTextsPerRequest.");
    }
}
