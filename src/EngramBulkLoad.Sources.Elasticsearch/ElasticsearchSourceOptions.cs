using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>Settings of an Elasticsearch source (kind "elasticsearch"), read from its config section.</summary>
public sealed class ElasticsearchSourceOptions
{
    /// <summary>The node URLs ("nodes"); the client spreads requests over them and fails over between them. Required.</summary>
    public required IReadOnlyList<Uri> Nodes { get; init; }

    /// <summary>User for basic authentication ("username"); null without. Its password comes from "password".</summary>
    public string? Username { get; init; }

    /// <summary>Password for basic authentication ("password", e.g. "${ES_PASSWORD}"); never printed.</summary>
    public string? Password { get; init; }

    /// <summary>An API key ("apiKey", the encoded id:key as Elasticsearch returns it); never printed.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The SHA-256 fingerprint of the CA that signed the server's certificate ("tls.caFingerprint"); null: the system's trust.</summary>
    public string? CaFingerprint { get; init; }

    /// <summary>A PEM file of the CA that signed the server's certificate ("tls.caFile"); null: the system's trust.</summary>
    public string? CaFile { get; init; }

    /// <summary>Documents per search request ("pageSize"). Default: 1,000; at most 10,000 (the index.max_result_window default).</summary>
    public int PageSize { get; init; } = 1000;

    /// <summary>How long the point in time lives between two requests ("keepAlive", an Elasticsearch time unit). Default: "5m".</summary>
    public string KeepAlive { get; init; } = "5m";

    /// <summary>Attempts per request when the cluster answers 429 (too many requests) or is unreachable ("maxRetries"). Default: 8.</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>First wait before a retry, doubled on each further one up to 30 s ("retryDelayMs"). Default: 500.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Time a single request may take ("requestTimeoutSeconds"). Default: 120.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The REST API version the requests declare ("apiCompatibility"): 9, or 8 to read an Elasticsearch 8.x
    /// cluster, which refuses requests that declare 9 (<see cref="CompatibilityHandler"/>). Default: 9.
    /// </summary>
    public int ApiCompatibility { get; init; } = 9;

    /// <summary>The indexes (or patterns) to extract, in order; each is a collection.</summary>
    public required IReadOnlyList<ElasticsearchIndexOptions> Indexes { get; init; }

    /// <summary>Reads and validates the section; the password and API key are registered as secrets.</summary>
    public static ElasticsearchSourceOptions From(SourceConfig config, ExtractSettings extract)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = config.Node;
        var nodes = node.StringList("nodes");
        if (nodes.Count == 0)
        {
            throw ErrorFactory.Config(node.At("nodes"), "is required: the URL(s) of the cluster's nodes.", "E.g. \"nodes\": [\"https://es1:9200\", \"https://es2:9200\"].");
        }

        var uris = nodes.Select(text => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw ErrorFactory.Config(node.At("nodes"), $"'{text}' is not an http or https URL.", "Write each node as https://host:9200.")).ToList();
        var username = node.OptionalString("username");
        var password = node.OptionalSecret("password");
        var apiKey = node.OptionalSecret("apiKey");
        if (apiKey is not null && (username is not null || password is not null))
        {
            throw ErrorFactory.Config(node.At("apiKey"), "is given together with username/password; a request carries one kind of credentials.", "Keep either \"apiKey\" or \"username\" and \"password\".");
        }

        if ((username is null) != (password is null))
        {
            throw ErrorFactory.Config(node.At(username is null ? "username" : "password"), "is missing: basic authentication needs both a username and a password.",
                "Give both, e.g. \"username\": \"reader\", \"password\": \"${ES_PASSWORD}\", or use \"apiKey\".");
        }

        string? fingerprint = null;
        string? caFile = null;
        if (node.OptionalObject("tls") is { } tls)
        {
            fingerprint = tls.OptionalString("caFingerprint");
            if (tls.OptionalString("caFile") is { } file)
            {
                caFile = Path.GetFullPath(file, config.BaseDirectory ?? Directory.GetCurrentDirectory());
                if (!File.Exists(caFile))
                {
                    throw ErrorFactory.Config(tls.At("caFile"), $"'{caFile}' does not exist.", "Give the path of the cluster's CA certificate (PEM), e.g. config/certs/http_ca.crt of the Elasticsearch node.");
                }
            }

            if (fingerprint is not null && caFile is not null)
            {
                throw ErrorFactory.Config(tls.Path, "names both caFingerprint and caFile.", "Keep one: the CA's SHA-256 fingerprint, or its PEM file.");
            }

            tls.RejectUnknown();
        }

        var indexes = node.ObjectList("indexes");
        if (indexes.Count == 0)
        {
            throw ErrorFactory.Config(node.At("indexes"), "lists no index.", "Add e.g. { \"index\": \"articles\", \"text\": [\"title\", \"body\"] }.");
        }

        var collections = indexes.Select(index => ElasticsearchIndexOptions.From(index, extract)).ToList();
        var duplicate = collections.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw ErrorFactory.Config(node.At("indexes"), $"names '{duplicate.Key}' twice.", "Give each entry a distinct \"name\".");
        }

        foreach (var reference in collections.SelectMany(c => c.Mapping.References))
        {
            var target = collections.FirstOrDefault(c => c.Name == reference.Collection)
                ?? throw ErrorFactory.Config(node.At("indexes"), $"a reference names '{reference.Collection}', which is not one of this source's indexes.",
                    $"References name an index entry of the same source: {string.Join(", ", collections.Select(c => c.Name))}.");
            if (reference.Fields.Count != target.Mapping.Key.Count)
            {
                throw ErrorFactory.Config(node.At("indexes"),
                    $"a reference to '{target.Name}' names {reference.Fields.Count} field(s), but its documents are identified by {string.Join(" and ", target.Mapping.Key)}.",
                    target.Mapping.Key.Count == 2 ? "A pattern over several indexes is identified by index name and _id: name two fields, the first holding the index name." : "Name one field holding the referenced document's _id.");
            }
        }

        var options = new ElasticsearchSourceOptions
        {
            Nodes = uris,
            Username = username,
            Password = password,
            ApiKey = apiKey,
            CaFingerprint = fingerprint,
            CaFile = caFile,
            PageSize = node.Int("pageSize", 1000, 1, 10_000),
            KeepAlive = ReadTimeUnit(node, "keepAlive", "5m"),
            MaxRetries = node.Int("maxRetries", 8, 0, 100),
            RetryDelay = TimeSpan.FromMilliseconds(node.Int("retryDelayMs", 500, 1, 600_000)),
            RequestTimeout = TimeSpan.FromSeconds(node.Int("requestTimeoutSeconds", 120, 1, 3600)),
            ApiCompatibility = node.Int("apiCompatibility", 9, 8, 9),
            Indexes = collections,
        };
        node.Allow("name", "kind");
        node.RejectUnknown();
        return options;
    }

    private static string ReadTimeUnit(ConfigNode node, string name, string defaultValue)
    {
        var text = node.OptionalString(name) ?? defaultValue;
        // Elasticsearch's time units (d, h, m, s, ms); see "API conventions: time units" in the reference.
        if (!System.Text.RegularExpressions.Regex.IsMatch(text, "^[1-9][0-9]*(d|h|m|s|ms)$"))
        {
            throw ErrorFactory.Config(node.At(name), $"'{text}' is not an Elasticsearch time unit.", $"Write e.g. \"30s\", \"5m\" or \"1h\". The default is \"{defaultValue}\".");
        }

        return text;
    }
}

/// <summary>One index, list of indexes or pattern of an Elasticsearch source: a collection.</summary>
public sealed class ElasticsearchIndexOptions
{
    /// <summary>The field a document's index name is read into, part of the key of a collection over several indexes.</summary>
    public const string IndexField = "_index";

    /// <summary>The field a document's _id is read into: the key.</summary>
    public const string IdField = "_id";

    /// <summary>The collection's name ("name"); default: the index text. Part of memory ids.</summary>
    public required string Name { get; init; }

    /// <summary>The index, comma-separated indexes, alias or pattern ("index"), as a search path takes it.</summary>
    public required string Index { get; init; }

    /// <summary>True when <see cref="Index"/> may cover several indexes (a pattern, a list or "_all"), so the key includes the index name.</summary>
    public bool ManyIndexes => Index.Contains('*', StringComparison.Ordinal) || Index.Contains(',', StringComparison.Ordinal) || Index == "_all";

    /// <summary>The query's JSON ("query", Elasticsearch query DSL); null reads every document.</summary>
    public string? Query { get; init; }

    /// <summary>_source fields to fetch ("source.includes"); empty: all.</summary>
    public IReadOnlyList<string> SourceIncludes { get; init; } = [];

    /// <summary>_source fields not to fetch ("source.excludes"); empty: none.</summary>
    public IReadOnlyList<string> SourceExcludes { get; init; } = [];

    /// <summary>
    /// A field holding a unique value in every document, of a type Elasticsearch sorts (keyword, number,
    /// date) ("sortField"). With it a read can resume on a new point in time; without it the order is
    /// "_shard_doc", valid only while the point in time lives. Default: none.
    /// </summary>
    public string? SortField { get; init; }

    /// <summary>Parallel slices of one point in time ("slices"). Default: 1 (no slicing).</summary>
    public int Slices { get; init; } = 1;

    /// <summary>
    /// A numeric field with doc values that assigns documents to slices ("sliceField"), so that the same
    /// document lands in the same slice on a new point in time. Needed to resume a sliced read whose point
    /// in time expired. Default: none (Elasticsearch slices by its internal document ids).
    /// </summary>
    public string? SliceField { get; init; }

    /// <summary>A field whose value grows when a document changes ("watermark"), for backfills. Default: none.</summary>
    public string? Watermark { get; init; }

    /// <summary>How documents map to memories; the key is always the document's _id (and index name for several indexes).</summary>
    public required MappingOptions Mapping { get; init; }

    internal static ElasticsearchIndexOptions From(ConfigNode node, ExtractSettings extract)
    {
        var index = node.RequiredString("index", "Name the index, alias or pattern to read, e.g. \"index\": \"articles\" or \"logs-*\".");
        if (node.Has("key"))
        {
            throw ErrorFactory.Config(node.At("key"), "cannot be set for Elasticsearch: a document is identified by its _id (and its index name for patterns over several indexes).",
                "Remove \"key\"; name fields that hold other documents' ids under \"references\".");
        }

        var many = index.Contains('*', StringComparison.Ordinal) || index.Contains(',', StringComparison.Ordinal) || index == "_all";
        string? query = null;
        if (node.Element.TryGetProperty("query", out var queryElement) && queryElement.ValueKind != JsonValueKind.Null)
        {
            if (queryElement.ValueKind != JsonValueKind.Object)
            {
                throw ErrorFactory.Config(node.At("query"), "expected a query object (Elasticsearch query DSL).", "E.g. \"query\": { \"term\": { \"status\": \"published\" } }.");
            }

            query = queryElement.GetRawText();
            node.Allow("query");
        }

        var includes = new List<string>();
        var excludes = new List<string>();
        if (node.OptionalObject("source") is { } source)
        {
            includes.AddRange(source.StringList("includes"));
            excludes.AddRange(source.StringList("excludes"));
            source.RejectUnknown();
        }

        var slices = node.Int("slices", 1, 1, 1024);
        var mappingNode = WithKey(node, many ? [IndexField, IdField] : [IdField]);
        var mapping = MappingReader.Read(mappingNode, extract);
        mappingNode.RejectUnknown();
        var options = new ElasticsearchIndexOptions
        {
            Name = node.OptionalString("name") ?? index,
            Index = index,
            Query = query,
            SourceIncludes = includes,
            SourceExcludes = excludes,
            SortField = node.OptionalString("sortField"),
            Slices = slices,
            SliceField = node.OptionalString("sliceField"),
            Watermark = node.OptionalString("watermark"),
            Mapping = mapping,
        };
        node.RejectUnknown();
        return options;
    }

    /// <summary>
    /// The section less this source's own settings, with the fixed key added, for the shared mapping to read;
    /// it refuses what the mapping did not read, and the caller's node refuses what neither knows.
    /// </summary>
    private static ConfigNode WithKey(ConfigNode node, string[] key)
    {
        var json = JsonNode.Parse(node.Element.GetRawText())!.AsObject();
        json["key"] = new JsonArray([.. key.Select(k => JsonValue.Create(k))]);
        foreach (var own in new[] { "index", "name", "query", "source", "sortField", "slices", "sliceField", "watermark" })
        {
            json.Remove(own);
        }

        node.Allow([.. json.Select(p => p.Key)]);
        using var document = JsonDocument.Parse(json.ToJsonString());
        return new ConfigNode(document.RootElement.Clone(), node.Path);
    }
}
