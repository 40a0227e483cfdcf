using EngramBulkLoad.Configuration;
using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Lexical;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Stage;

/// <summary>
/// Builds the embedder the "embedding" section names: "lexical" (offline, the default) or "service"
/// (the gRPC embedding service, one or several replicas). The service is asked for its model before
/// any text is sent, so a wrong address, model or dimension stops the run at once.
/// </summary>
public static class EmbedderFactory
{
    /// <summary>The embedder kinds a config may name.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["lexical", "service"];

    /// <summary>Creates the embedder; <paramref name="serviceOverride"/> (a --embedding-service flag) selects the service at that address.</summary>
    public static async Task<ITextEmbedder> CreateAsync(ConfigNode? node, string? serviceOverride, CancellationToken cancellationToken)
    {
        var kind = serviceOverride is not null ? "service" : node?.OptionalString("kind")?.ToLowerInvariant() ?? "lexical";
        switch (kind)
        {
            case "lexical":
                node?.Allow("endpoints", "model", "bearerToken", "textsPerCall", "maxConcurrentCalls", "callDeadlineSeconds");
                return new LexicalEmbedder();
            case "service":
                var options = ServiceOptions(node, serviceOverride);
                return await GrpcEmbedderClient.ConnectAsync(options, cancellationToken);
            default:
                throw ErrorFactory.Config(node!.At("kind"), $"'{kind}' is not an embedder kind.", $"Use one of: {string.Join(", ", Kinds)}.");
        }
    }

    private static GrpcEmbedderOptions ServiceOptions(ConfigNode? node, string? serviceOverride)
    {
        var path = node?.At("endpoints") ?? "--embedding-service";
        var addresses = serviceOverride is not null ? [serviceOverride] : node?.StringList("endpoints") ?? [];
        if (addresses.Count == 0)
        {
            throw ErrorFactory.Config(path, "names no embedding service address.", "Give \"endpoints\": [\"http://embedder:50051\"] or pass --embedding-service http://HOST:PORT.");
        }

        var endpoints = addresses.Select(address => Uri.TryCreate(address, UriKind.Absolute, out var uri)
            ? uri
            : throw ErrorFactory.Config(path, $"'{address}' is not an address.", "Write it as http://HOST:PORT (https for TLS).")).ToList();
        var options = new GrpcEmbedderOptions
        {
            Endpoints = endpoints,
            Model = node?.OptionalString("model"),
            BearerToken = node?.OptionalSecret("bearerToken"),
            TextsPerCall = node?.Int("textsPerCall", 64, 1, 4096) ?? 64,
            MaxConcurrentCalls = node?.Int("maxConcurrentCalls", 8, 1, 256) ?? 8,
            CallDeadline = TimeSpan.FromSeconds(node?.Int("callDeadlineSeconds", 120, 1, 3600) ?? 120),
        };
        options.Validate();
        return options;
    }
}
