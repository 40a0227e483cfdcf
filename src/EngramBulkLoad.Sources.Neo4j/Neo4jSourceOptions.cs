using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Neo4j;

/// <summary>Settings of a Neo4j source (kind "neo4j"), read from its config section.</summary>
public sealed class Neo4jSourceOptions
{
    /// <summary>The field of every node row that holds its element id; the key when a collection names none.</summary>
    public const string ElementIdField = "neo4j.elementId";

    /// <summary>The field of every node row that holds its labels (a list).</summary>
    public const string LabelsField = "neo4j.labels";

    /// <summary>The server's HTTP(S) address, e.g. http://graph:7474 (no path). Required.</summary>
    public required Uri Url { get; init; }

    /// <summary>The database to read. Default: "neo4j".</summary>
    public string Database { get; init; } = "neo4j";

    /// <summary>The user. Default: "neo4j".</summary>
    public string User { get; init; } = "neo4j";

    /// <summary>The password ("${NEO4J_PASSWORD}"); registered as a secret, never printed or written. Null: no Authorization header.</summary>
    public string? Password { get; init; }

    /// <summary>A PEM file of the certificate authority that signed the server's certificate (https only). Default: the system's trust store.</summary>
    public string? CaCertificate { get; init; }

    /// <summary>Rows per keyset page (one Query API request each). Default: 10,000.</summary>
    public int PageSize { get; init; } = 10_000;

    /// <summary>The node collections, in order; a node with several of their labels belongs to the first.</summary>
    public required IReadOnlyList<Neo4jNodeCollectionOptions> Nodes { get; init; }

    /// <summary>The relationships to read; null when the config turns them off ("relationships": { "read": false }).</summary>
    public Neo4jRelationshipOptions? Relationships { get; init; }

    /// <summary>Reads and validates the section; the password is registered as a secret.</summary>
    public static Neo4jSourceOptions From(SourceConfig config, ExtractSettings extract)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = config.Node;
        var urlText = node.RequiredString("url", "E.g. \"url\": \"http://graph:7474\" (the HTTP connector; https://... for TLS).");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw ErrorFactory.Config(node.At("url"), $"'{urlText}' is not an http:// or https:// address.",
                "Give the HTTP connector's address, e.g. \"http://graph:7474\" or \"https://graph:7473\"; bolt:// and neo4j:// addresses are for drivers, which this job does not use.");
        }

        var password = node.OptionalSecret("password");
        var tls = node.OptionalObject("tls");
        string? ca = null;
        if (tls is not null)
        {
            if (tls.OptionalString("caCertificate") is { } caPath)
            {
                ca = Path.GetFullPath(caPath, config.BaseDirectory ?? Directory.GetCurrentDirectory());
                if (url.Scheme != Uri.UriSchemeHttps)
                {
                    throw ErrorFactory.Config(tls.At("caCertificate"), "is set, but the url is http://, which does not use TLS.", "Use the https:// address of the server (Neo4j's HTTPS connector, default port 7473), or remove tls.");
                }
            }

            tls.RejectUnknown();
        }

        var nodes = node.ObjectList("nodes");
        if (nodes.Count == 0)
        {
            throw ErrorFactory.Config(node.At("nodes"), "lists no node collection.", "Add e.g. { \"label\": \"Person\", \"key\": \"id\", \"text\": [\"name\", \"bio\"] }.");
        }

        var collections = nodes.Select(n => Neo4jNodeCollectionOptions.From(n, extract)).ToList();
        var relationships = node.OptionalObject("relationships") is { } section
            ? Neo4jRelationshipOptions.From(section)
            : new Neo4jRelationshipOptions();
        var names = collections.Select(c => c.Name).Concat(relationships?.Read == true ? [relationships.Name] : []).ToList();
        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw ErrorFactory.Config(node.At("nodes"), $"names the collection '{duplicate.Key}' twice (labels, \"name\"s and the relationships' \"name\" share one namespace).",
                "Give each collection a distinct \"name\".");
        }

        var options = new Neo4jSourceOptions
        {
            Url = url,
            Database = node.OptionalString("database") ?? "neo4j",
            User = node.OptionalString("user") ?? "neo4j",
            Password = password,
            CaCertificate = ca,
            PageSize = node.Int("pageSize", 10_000, 1, 1_000_000),
            Nodes = collections,
            Relationships = relationships?.Read == true ? relationships : null,
        };
        node.Allow("name", "kind");
        node.RejectUnknown();
        return options;
    }
}

/// <summary>One node collection: the nodes with a label, mapped to memories.</summary>
public sealed class Neo4jNodeCollectionOptions
{
    /// <summary>The collection's name: the label, or "name". Part of memory ids.</summary>
    public required string Name { get; init; }

    /// <summary>The label whose nodes this collection reads.</summary>
    public required string Label { get; init; }

    /// <summary>How a node maps to a memory; the key is a property, or <see cref="Neo4jSourceOptions.ElementIdField"/>.</summary>
    public required MappingOptions Mapping { get; init; }

    /// <summary>True when the key is the node's element id (the config names no "key").</summary>
    public bool KeyIsElementId => Mapping.Key[0] == Neo4jSourceOptions.ElementIdField;

    /// <summary>The key property, or null when the key is the element id.</summary>
    public string? KeyProperty => KeyIsElementId ? null : Mapping.Key[0];

    /// <summary>
    /// A Cypher predicate over the node, which is the variable <c>n</c> ("where"), added in parentheses to every
    /// query of the collection: nodes it excludes are not source rows. Written by the operator, like PostgreSQL's
    /// "where"; values it compares with are part of the config, not data. Null reads every node of the label.
    /// </summary>
    public string? Where { get; init; }

    /// <summary>A property that grows whenever a node changes ("watermark"), for backfills. Null: none.</summary>
    public string? Watermark { get; init; }

    internal static Neo4jNodeCollectionOptions From(ConfigNode node, ExtractSettings extract)
    {
        var label = node.RequiredString("label", "Name the nodes' label, e.g. \"label\": \"Person\" (labels are case-sensitive).");
        var mappingNode = node;
        if (!node.Has("key"))
        {
            // No key property: the element id is the key. The mapping reader wants a key, so it reads a copy that names the id field.
            var copy = JsonNode.Parse(node.Element.GetRawText())!.AsObject();
            copy["key"] = Neo4jSourceOptions.ElementIdField;
            mappingNode = new ConfigNode(System.Text.Json.JsonDocument.Parse(copy.ToJsonString()).RootElement.Clone(), node.Path);
        }

        var mapping = MappingReader.Read(mappingNode, extract);
        if (mapping.Key.Count != 1)
        {
            throw ErrorFactory.Config(node.At("key"), $"names {mapping.Key.Count} properties; a Neo4j collection is read in the order of one key property.",
                "Name one property whose values are unique (ideally with a uniqueness constraint), or leave \"key\" out to use the element id.");
        }

        if (mapping.References.Count > 0)
        {
            throw ErrorFactory.Config(node.At("references"), "is not used by Neo4j sources: relationships are read as they are in the graph.",
                "Remove it; configure \"relationships\" on the source instead.");
        }

        var where = node.OptionalString("where");
        if (where is not null && string.IsNullOrWhiteSpace(where))
        {
            throw ErrorFactory.Config(node.At("where"), "is empty.", "Write a Cypher condition over n, e.g. \"where\": \"n.status = 'active'\", or remove it.");
        }

        var options = new Neo4jNodeCollectionOptions
        {
            Name = node.OptionalString("name") ?? label,
            Label = label,
            Mapping = mapping,
            Where = where,
            Watermark = node.OptionalString("watermark"),
        };
        mappingNode.Allow("label", "name", "where", "watermark");
        mappingNode.RejectUnknown();
        return options;
    }
}

/// <summary>Which relationships become edges, and how.</summary>
public sealed class Neo4jRelationshipOptions
{
    /// <summary>False when the config turns relationships off. Default: true.</summary>
    public bool Read { get; init; } = true;

    /// <summary>The collection's name in the snapshot. Default: "relationships".</summary>
    public string Name { get; init; } = "relationships";

    /// <summary>The relationship types to read; empty (the default) reads every type.</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    /// <summary>The property whose number becomes the association's strength (clamped to [0, 1] at load). Default: "weight".</summary>
    public string WeightProperty { get; init; } = "weight";

    internal static Neo4jRelationshipOptions From(ConfigNode node)
    {
        var options = new Neo4jRelationshipOptions
        {
            Read = node.Bool("read", true),
            Name = node.OptionalString("name") ?? "relationships",
            Types = node.StringList("types"),
            WeightProperty = node.OptionalString("weight") ?? "weight",
        };
        node.RejectUnknown();
        return options;
    }
}
