namespace EngramBulkLoad.Embedding.Service.Admission;

/// <summary>
/// The model cannot take or finish the request in time now; the service answers RESOURCE_EXHAUSTED with
/// <see cref="RetryAfter"/> as the retry hint. <see cref="Reason"/> is the metrics label.
/// </summary>
internal sealed class OverloadedException(string reason, TimeSpan retryAfter, string message) : Exception(message)
{
    /// <summary>"queue_texts", "queue_tokens", "deadline" or "expired": why the request was refused or dropped.</summary>
    public string Reason { get; } = reason;

    /// <summary>When a retry has a fair chance: the estimated time for enough admitted work to drain.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The request can never be admitted as sent (it alone exceeds a capacity); the service answers INVALID_ARGUMENT.</summary>
internal sealed class RequestTooLargeException(string message) : Exception(message);
