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
    /// Texts admitted and not yet answered per model, across all callers: waiting, being tokenized or
    /// running. Default 16384. A request that does not fit is refused whole, before it is tokenized, with
    /// RESOURCE_EXHAUSTED and a retry hint.
    /// </summary>
    public int QueueCapacity { get; set; } = 16384;

    /// <summary>
    /// Tokens admitted and not yet answered per model (a request counts its UTF-8 bytes, at most the model's
    /// maximum length per text, until it is tokenized, then its real tokens). Default 0: automatic, twice
    /// a full request of the longest texts (2 x Limits:MaxTextsPerRequest x the model's maximum length).
    /// A value set must hold at least one such request.
    /// </summary>
    public long QueueTokenCapacity { get; set; }

    /// <summary>
    /// Longest an admitted request may take to be answered, and so the bound on admitted latency. Default
    /// 30 s. A request is refused at once when the work admitted ahead of it, at the measured throughput,
    /// would answer it later than this (or than the caller's own gRPC deadline, if earlier); one whose
    /// deadline passes before its texts run is dropped without computing them.
    /// </summary>
    public TimeSpan MaxLatency { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most texts the batcher plans each batch from: the waiting texts of whole requests, most urgent (earliest
    /// deadline) first, until this many or until they hold TokenBudget tokens. Default 1024. Larger means less
    /// padding; the most urgent request's first waiting text is always in the next batch, so requests finish
    /// in deadline order.
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
        EmbeddingServiceOptions.Require(QueueTokenCapacity >= 0, "EmbeddingService:Batching:QueueTokenCapacity", $"must not be negative, found {QueueTokenCapacity}.", "0 (the default) sizes it from the model.");
        EmbeddingServiceOptions.Require(MaxLatency >= TimeSpan.FromMilliseconds(100) && MaxLatency <= TimeSpan.FromHours(1), "EmbeddingService:Batching:MaxLatency", $"must be between 00:00:00.1 and 01:00:00, found {MaxLatency}.", "The default is 00:00:30.");
        EmbeddingServiceOptions.Require(QueueCapacity >= limits.MaxTextsPerRequest, "EmbeddingService:Batching:QueueCapacity", $"must hold at least one full request ({limits.MaxTextsPerRequest} texts), found {QueueCapacity}.", "Raise it or lower Limits:MaxTextsPerRequest.");
    }

    /// <summary>The token capacity for a model of <paramref name="maxSequenceLength"/>; checks that one full request fits.</summary>
    internal long TokenCapacityFor(string modelId, int maxSequenceLength, int maxTextsPerRequest)
    {
        var fullRequest = (long)maxTextsPerRequest * maxSequenceLength;
        if (QueueTokenCapacity == 0)
        {
            return 2 * fullRequest;
        }

        EmbeddingServiceOptions.Require(
            QueueTokenCapacity >= fullRequest,
            "EmbeddingService:Batching:QueueTokenCapacity",
            $"is {QueueTokenCapacity}, less than one full request for model '{modelId}': {maxTextsPerRequest} texts (Limits:MaxTextsPerRequest) of up to {maxSequenceLength} tokens = {fullRequest}; such a request could never be admitted.",
            $"Raise it to at least {fullRequest}, lower Limits:MaxTextsPerRequest, or set 0 to size it automatically.");
        return QueueTokenCapacity;
    }
}
