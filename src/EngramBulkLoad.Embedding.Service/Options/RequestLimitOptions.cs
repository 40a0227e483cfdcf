namespace EngramBulkLoad.Embedding.Service.Options;

/// <summary>Limits that keep one caller from taking the service down. Violations answer INVALID_ARGUMENT.</summary>
public sealed class RequestLimitOptions
{
    /// <summary>Texts in one request. Default 2048.</summary>
    public int MaxTextsPerRequest { get; set; } = 2048;

    /// <summary>Characters (UTF-16 code units) in one text. Default 100000; longer texts are refused, not silently cut.</summary>
    public int MaxCharsPerText { get; set; } = 100_000;

    /// <summary>Size of one incoming gRPC message. Default 64 MiB.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Size of one outgoing gRPC message. Default 64 MiB.</summary>
    public int MaxSendMessageBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Requests of one EmbedStream call being worked on at once. Default 4.</summary>
    public int MaxStreamRequestsInFlight { get; set; } = 4;

    internal void Validate()
    {
        EmbeddingServiceOptions.Require(MaxTextsPerRequest is >= 1 and <= 1_000_000, "EmbeddingService:Limits:MaxTextsPerRequest", $"must be between 1 and 1000000, found {MaxTextsPerRequest}.", "The default is 2048.");
        EmbeddingServiceOptions.Require(MaxCharsPerText is >= 1 and <= 100_000_000, "EmbeddingService:Limits:MaxCharsPerText", $"must be between 1 and 100000000, found {MaxCharsPerText}.", "The default is 100000.");
        EmbeddingServiceOptions.Require(MaxReceiveMessageBytes >= 1024, "EmbeddingService:Limits:MaxReceiveMessageBytes", $"must be at least 1024, found {MaxReceiveMessageBytes}.", "The default is 64 MiB.");
        EmbeddingServiceOptions.Require(MaxSendMessageBytes >= 1024, "EmbeddingService:Limits:MaxSendMessageBytes", $"must be at least 1024, found {MaxSendMessageBytes}.", "The default is 64 MiB.");
        EmbeddingServiceOptions.Require(MaxStreamRequestsInFlight is >= 1 and <= 64, "EmbeddingService:Limits:MaxStreamRequestsInFlight", $"must be between 1 and 64, found {MaxStreamRequestsInFlight}.", "The default is 4.");
    }
}
