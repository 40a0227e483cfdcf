using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Grpc;

/// <summary>Settings of the <see cref="GrpcEmbedderClient"/>. Validated by <see cref="GrpcEmbedderClient.ConnectAsync"/>.</summary>
public sealed class GrpcEmbedderOptions
{
    /// <summary>
    /// The service addresses, e.g. <c>http://embedder:50061</c>. Required, at least one. Batches are spread
    /// round-robin over them and a retry moves to the next one.
    /// </summary>
    public IReadOnlyList<Uri> Endpoints { get; init; } = [];

    /// <summary>The model id to ask for; null (the default) takes the service's default model.</summary>
    public string? Model { get; init; }

    /// <summary>The dimension the caller needs. Default 768, the only one Engram accepts.</summary>
    public int ExpectedDimension { get; init; } = EngramDimensions.Required;

    /// <summary>Texts per gRPC call. Default 64; the service regroups them into its own batches.</summary>
    public int TextsPerCall { get; init; } = 64;

    /// <summary>Calls in flight at once across all endpoints. Default 8.</summary>
    public int MaxConcurrentCalls { get; init; } = 8;

    /// <summary>Deadline of one call attempt. Default 2 minutes.</summary>
    public TimeSpan CallDeadline { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries after the first attempt for transient failures (UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED, DEADLINE_EXCEEDED). Default 6.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>First retry delay; later ones grow exponentially with jitter. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of one retry delay. Default 15 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Sent as <c>authorization: Bearer &lt;token&gt;</c> when set. Default none.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Largest response message accepted. Default 64 MiB.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>The clock for deadlines and retry delays. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws a <see cref="ConfigException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Endpoints is null || Endpoints.Count == 0)
        {
            throw ErrorFactory.Config("embedding.endpoints", "no embedding service address was given.", "Set at least one address such as http://embedder:50061, or use the lexical embedder.");
        }

        foreach (var endpoint in Endpoints)
        {
            if (endpoint is null || !endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                throw ErrorFactory.Config("embedding.endpoints", $"'{endpoint}' is not an absolute http:// or https:// address.", "Write it like http://embedder:50061.");
            }
        }

        Check(ExpectedDimension is >= 1 and <= 65536, "embedding.expectedDimension", $"must be between 1 and 65536, found {ExpectedDimension}.", "Engram takes 768.");
        Check(TextsPerCall is >= 1 and <= 100_000, "embedding.textsPerCall", $"must be between 1 and 100000, found {TextsPerCall}.", "The default is 64.");
        Check(MaxConcurrentCalls is >= 1 and <= 1024, "embedding.maxConcurrentCalls", $"must be between 1 and 1024, found {MaxConcurrentCalls}.", "The default is 8.");
        Check(CallDeadline > TimeSpan.Zero, "embedding.callDeadline", $"must be positive, found {CallDeadline}.", "The default is 2 minutes.");
        Check(MaxRetries is >= 0 and <= 100, "embedding.maxRetries", $"must be between 0 and 100, found {MaxRetries}.", "The default is 6.");
        Check(RetryBaseDelay > TimeSpan.Zero && RetryMaxDelay >= RetryBaseDelay, "embedding.retryBaseDelay", $"must be positive and not above retryMaxDelay, found {RetryBaseDelay} and {RetryMaxDelay}.", "The defaults are 200 ms and 15 s.");
        Check(MaxReceiveMessageBytes >= 1024, "embedding.maxReceiveMessageBytes", $"must be at least 1024, found {MaxReceiveMessageBytes}.", "The default is 64 MiB.");
        Check(TimeProvider is not null, "embedding.timeProvider", "is null.", "Leave it at its default.");
    }

    private static void Check(bool ok, string path, string problem, string fix)
    {
        if (!ok)
        {
            throw ErrorFactory.Config(path, problem, fix);
        }
    }
}
