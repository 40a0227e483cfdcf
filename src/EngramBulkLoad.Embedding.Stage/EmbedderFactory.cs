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

    /// <summary>
    /// Checks the whole "embedding" section without connecting to anything: every key known, every value of
    /// its type and range. Every command runs this at start, so a typo is reported before any work, whichever
    /// command reads the section later.
    /// </summary>
    /// <param name="section">The section as the config holds it; it is read through a copy, so its own record of read keys is untouched.</param>
    /// <param name="baseDirectory">The config file's folder, for relative paths.</param>
    public static void Check(ConfigNode? section, string baseDirectory)
    {
        if (section is null)
        {
            return;
        }

        var node = new ConfigNode(section.Element, section.Path);
        EmbedSettings.From(node, baseDirectory);
        var kind = node.OptionalString("kind")?.ToLowerInvariant() ?? "lexical";
        if (!Kinds.Contains(kind))
        {
            throw ErrorFactory.Config(node.At("kind"), $"'{kind}' is not an embedder kind.", $"Use one of: {string.Join(", ", Kinds)}.");
        }

        foreach (var address in node.StringList("endpoints"))
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out _))
            {
                throw ErrorFactory.Config(node.At("endpoints"), $"'{address}' is not an address.", "Write it as http://HOST:PORT (https for TLS).");
            }
        }

        node.OptionalString("model");
        node.Allow("bearerToken");
        node.Int("textsPerCall", 64, 1, 4096);
        node.Int("maxConcurrentCalls", 8, 1, 256);
        node.Int("callDeadlineSeconds", 120, 1, 3600);
        node.RejectUnknown();
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
