using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Redis;

/// <summary>Settings of a Redis source (kind "redis"), read from its config section. Every default is stated on its property.</summary>
public sealed class RedisSourceOptions
{
    /// <summary>Host name or address ("host"). Default 127.0.0.1.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port ("port"). Default 6379.</summary>
    public int Port { get; init; } = 6379;

    /// <summary>Connect with TLS ("tls"). Default false.</summary>
    public bool Tls { get; init; }

    /// <summary>ACL user ("user"); null uses the default user. Default none.</summary>
    public string? User { get; init; }

    /// <summary>Password ("password", e.g. "${REDIS_PASSWORD}"); registered as a secret, never written anywhere. Default none.</summary>
    public string? Password { get; init; }

    /// <summary>Connect and command timeout in milliseconds ("timeoutMs"). Default 10,000.</summary>
    public int TimeoutMs { get; init; } = 10_000;

    /// <summary>The COUNT hint of every SCAN call ("scanCount"): keys the server looks at per call. Default 1,000.</summary>
    public int ScanCount { get; init; } = 1000;

    /// <summary>Stream entries read per XRANGE call ("streamPage"). Default 1,000.</summary>
    public int StreamPage { get; init; } = 1000;

    /// <summary>The key patterns, each a collection, in order ("patterns").</summary>
    public required IReadOnlyList<RedisPatternOptions> Patterns { get; init; }

    /// <summary>Reads and validates the section; the password is registered as a secret.</summary>
    public static RedisSourceOptions From(SourceConfig config, ExtractSettings extract)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = config.Node;
        var database = node.Int("database", 0, 0, 1_000_000);
        var patterns = node.ObjectList("patterns");
        if (patterns.Count == 0)
        {
            throw ErrorFactory.Config(node.At("patterns"), "lists no key pattern.",
                "Add e.g. { \"match\": \"session:*\", \"collection\": \"sessions\", \"id\": \"capture\", \"text\": \"@value\" }.");
        }

        var options = new RedisSourceOptions
        {
            Host = node.OptionalString("host") ?? "127.0.0.1",
            Port = node.Int("port", 6379, 1, 65535),
            Tls = node.Bool("tls", false),
            User = node.OptionalString("user"),
            Password = node.OptionalSecret("password"),
            TimeoutMs = node.Int("timeoutMs", 10_000, 100, 600_000),
            ScanCount = node.Int("scanCount", 1000, 1, 1_000_000),
            StreamPage = node.Int("streamPage", 1000, 1, 100_000),
            Patterns = patterns.Select(p => RedisPatternOptions.From(p, extract, database)).ToList(),
        };
        var duplicate = options.Patterns.GroupBy(p => p.Collection, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw ErrorFactory.Config(node.At("patterns"), $"names collection '{duplicate.Key}' twice.", "Give each pattern its own \"collection\".");
        }

        node.Allow("name", "kind");
        node.RejectUnknown();
        return options;
    }
}

/// <summary>
/// One key pattern of a Redis source: the keys SCAN MATCH finds in one database become one collection.
/// The mapping sees each key as fields: <c>@key</c> (the key), <c>@id</c> (the record id), <c>@type</c>,
/// <c>@db</c>, <c>@value</c> (the value as text), <c>@expires_at</c> (when it has a TTL), <c>@time</c> and
/// <c>@entry</c> (stream entries), plus a hash's fields, a JSON string's top-level fields, or a stream entry's fields.
/// </summary>
public sealed class RedisPatternOptions
{
    /// <summary>The SCAN MATCH glob ("match"), e.g. "session:*". Required.</summary>
    public required string Match { get; init; }

    /// <summary>The collection name its records get ("collection"); part of memory ids. Default: the pattern.</summary>
    public required string Collection { get; init; }

    /// <summary>The database ("database", or the source's "database"). Default 0.</summary>
    public int Database { get; init; }

    /// <summary>"key" (the record id is the whole key, the default) or "capture" (the text the pattern's one '*' matched).</summary>
    internal KeyPattern Pattern { get; init; } = null!;

    /// <summary>How a key's fields become a memory. Defaults: key "@id", text "@value", timestamp "@time", kind episodic.</summary>
    public required MappingOptions Mapping { get; init; }

    /// <summary>Field equality filter ("where"), as for files; keys that do not pass are not source rows. Default none.</summary>
    public FieldFilter? Where { get; init; }

    /// <summary>
    /// Accept a pattern that matches no key ("allowEmpty"). Default false: the check fails, because a pattern that
    /// matches nothing is almost always a typo or the wrong database.
    /// </summary>
    public bool AllowEmpty { get; init; }

    internal static RedisPatternOptions From(ConfigNode original, ExtractSettings extract, int sourceDatabase)
    {
        // The mapping's Redis defaults are written into the section before the shared reader sees it.
        var json = JsonNode.Parse(original.Element.GetRawText())!.AsObject();
        json.TryAdd("key", "@id");
        json.TryAdd("text", "@value");
        json.TryAdd("timestamp", "@time");
        using var document = JsonDocument.Parse(json.ToJsonString());
        var node = new ConfigNode(document.RootElement.Clone(), original.Path);
        var match = node.RequiredString("match", "E.g. \"match\": \"session:*\" (a SCAN MATCH glob).");
        var idMode = node.OptionalString("id") ?? "key";
        if (idMode is not ("key" or "capture"))
        {
            throw ErrorFactory.Config(node.At("id"), $"is '{idMode}'; expected \"key\" or \"capture\".", "\"key\": the whole key is the record id; \"capture\": the part the pattern's '*' matched.");
        }

        var pattern = KeyPattern.Create(match, idMode == "capture", out var problem)
            ?? throw ErrorFactory.Config(node.At("id"), problem + ".", "Use \"id\": \"key\", or a pattern like \"user:*:profile\".");
        if (node.Has("watermark"))
        {
            throw ErrorFactory.Config(node.At("watermark"), "is not supported for Redis sources: SCAN has no order by a field, so a backfill cannot read only what changed.",
                "Remove it; run a new extract (a new snapshot) to pick up changes.");
        }

        var options = new RedisPatternOptions
        {
            Match = match,
            Collection = node.OptionalString("collection") ?? match,
            Database = node.Int("database", sourceDatabase, 0, 1_000_000),
            Pattern = pattern,
            Mapping = MappingReader.Read(node, extract, MemoryKind.Episodic),
            Where = FieldFilter.Read(node, "where"),
            AllowEmpty = node.Bool("allowEmpty", false),
        };
        node.RejectUnknown();
        return options;
    }
}
