using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Mapping;
using MongoDB.Bson;
using MongoDB.Driver;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>Settings of a MongoDB source (kind "mongodb"), read from its config section.</summary>
public sealed class MongoSourceOptions
{
    /// <summary>The MongoDB connection string (mongodb:// or mongodb+srv://); credentials may come from ${ENV} or "password".</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The password from "password", set on the connection string's user; null when the string carries it or none is needed.</summary>
    public string? Password { get; init; }

    /// <summary>The database the collections are in.</summary>
    public required string Database { get; init; }

    /// <summary>The collections to extract, in order.</summary>
    public required IReadOnlyList<MongoCollectionOptions> Collections { get; init; }

    /// <summary>Reads and validates the section; passwords are registered as secrets.</summary>
    public static MongoSourceOptions From(SourceConfig config, ExtractSettings extract)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = config.Node;
        var connectionString = node.RequiredString("connectionString",
            "E.g. \"mongodb://reader@db:27017/?authSource=admin\" with \"password\": \"${MONGO_PASSWORD}\", or the password as ${MONGO_PASSWORD} inside the string.");
        MongoUrl url;
        try
        {
            url = new MongoUrl(connectionString);
        }
        catch (Exception ex) when (ex is MongoConfigurationException or ArgumentException or FormatException)
        {
            SecretScrubber.Register(TryPassword(connectionString));
            throw ErrorFactory.Config(node.At("connectionString"), $"is not a valid MongoDB connection string: {SecretScrubber.Scrub(ex.Message)}",
                "Write it as mongodb://user@host:27017/?authSource=admin (https://www.mongodb.com/docs/manual/reference/connection-string/).");
        }

        SecretScrubber.Register(url.Password);
        var password = node.OptionalSecret("password");
        if (password is not null && url.Username is null)
        {
            throw ErrorFactory.Config(node.At("password"), "is set, but the connection string names no user.", "Put the user in the string: mongodb://USER@host/?authSource=admin.");
        }

        var database = node.OptionalString("database") ?? url.DatabaseName
            ?? throw ErrorFactory.Config(node.At("database"), "is required: the database the collections are in.", "E.g. \"database\": \"shop\", or name it in the connection string's path.");
        var sections = node.ObjectList("collections");
        if (sections.Count == 0)
        {
            throw ErrorFactory.Config(node.At("collections"), "lists no collection.", "Add e.g. { \"collection\": \"articles\", \"text\": [\"title\", \"body\"] }.");
        }

        var collections = sections.Select(section => MongoCollectionOptions.From(section, extract)).ToList();
        var duplicate = collections.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw ErrorFactory.Config(node.At("collections"), $"names '{duplicate.Key}' twice.", "List each collection once.");
        }

        foreach (var reference in collections.SelectMany(c => c.References))
        {
            if (!collections.Any(c => c.Name == reference.Collection))
            {
                throw ErrorFactory.Config(node.At("collections"), $"a reference points to '{reference.Collection}', which is not one of this source's collections.",
                    $"Name one of: {string.Join(", ", collections.Select(c => c.Name))}, or add the collection.");
            }
        }

        node.Allow("name", "kind");
        node.RejectUnknown();
        return new MongoSourceOptions { ConnectionString = connectionString, Password = password, Database = database, Collections = collections };
    }

    /// <summary>The connection string without its password, for messages and the manifest.</summary>
    public static string Redact(string connectionString)
    {
        try
        {
            var builder = new MongoUrlBuilder(connectionString) { Password = null };
            return builder.ToString();
        }
        catch (Exception ex) when (ex is MongoConfigurationException or ArgumentException or FormatException)
        {
            return "(hidden: not a valid connection string)";
        }
    }

    private static string? TryPassword(string connectionString)
    {
        // mongodb://user:password@host: the text between the first ':' after the scheme and the last '@'.
        var start = connectionString.IndexOf("://", StringComparison.Ordinal);
        var at = connectionString.LastIndexOf('@');
        if (start < 0 || at < 0)
        {
            return null;
        }

        var userInfo = connectionString[(start + 3)..at];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
    }
}

/// <summary>One collection of a MongoDB source.</summary>
public sealed class MongoCollectionOptions
{
    /// <summary>The collection's name; part of memory ids.</summary>
    public required string Name { get; init; }

    /// <summary>How documents map to memories (key: always _id).</summary>
    public required MappingOptions Mapping { get; init; }

    /// <summary>A query filter ("filter": JSON as the shell writes it, or an object of Extended JSON); documents it excludes are not source records. Null: every document.</summary>
    public BsonDocument? Filter { get; init; }

    /// <summary>A projection ("projection"); it may not exclude _id. Null: whole documents.</summary>
    public BsonDocument? Projection { get; init; }

    /// <summary>Fields holding the _id (or an array of _ids, or DBRefs) of documents in another collection of this source.</summary>
    public required IReadOnlyList<ReferenceMapping> References { get; init; }

    /// <summary>Embedded documents flatten to dotted names this many levels deep; deeper ones stay JSON. Default 3.</summary>
    public int FlattenDepth { get; init; } = 3;

    /// <summary>Documents per batch the server sends ("batchSize"). Default 1000.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>A field whose value grows whenever a document changes, such as updatedAt ("watermark"); null: none.</summary>
    public string? Watermark { get; init; }

    internal static MongoCollectionOptions From(ConfigNode node, ExtractSettings extract)
    {
        if (node.OptionalString("key") is { } key && key != "_id")
        {
            throw ErrorFactory.Config(node.At("key"), $"is '{key}', but MongoDB documents are identified by _id.", "Remove \"key\"; the source always keys documents by _id.");
        }

        // The shared mapping reader needs a key; a MongoDB collection's is always _id.
        var withKey = JsonNode.Parse(node.Element.GetRawText())!.AsObject();
        withKey["key"] = "_id";
        using var document = JsonDocument.Parse(withKey.ToJsonString());
        var keyed = new ConfigNode(document.RootElement.Clone(), node.Path);
        var name = keyed.RequiredString("collection", "E.g. \"collection\": \"articles\".");
        var mapping = MappingReader.Read(keyed, extract);
        foreach (var reference in mapping.References)
        {
            if (reference.Fields.Count != 1)
            {
                throw ErrorFactory.Config(keyed.At("references"), $"the reference to '{reference.Collection}' names {reference.Fields.Count} fields; a MongoDB reference is one field holding an _id, an array of _ids or DBRefs.",
                    "E.g. { \"fields\": \"authorId\", \"references\": \"users\", \"relation\": \"written_by\" }.");
            }

            if (reference.WeightField is not null || reference.Element is not null)
            {
                // The MongoDB source reads references itself (ids, arrays of ids, DBRefs); these settings would be ignored.
                throw ErrorFactory.Config(keyed.At("references"), $"the reference to '{reference.Collection}' sets \"weightField\" or \"element\", which the MongoDB source does not read.",
                    "Remove them; the reference's \"weight\" applies to each of its edges.");
            }
        }

        var flattenDepth = keyed.Int("flattenDepth", 3, 0, 32);
        var options = new MongoCollectionOptions
        {
            Name = name,
            Filter = ReadDocument(keyed, "filter", "E.g. \"filter\": \"{ status: 'published', views: { $gt: 10 } }\"."),
            Projection = ReadProjection(keyed),
            // References are read by the source itself (an id, an array of ids, or DBRefs); the mapper gets none.
            Mapping = WithExtraPathsHidden(mapping, flattenDepth),
            References = mapping.References,
            FlattenDepth = flattenDepth,
            BatchSize = keyed.Int("batchSize", 1000, 1, 100_000),
            Watermark = keyed.OptionalString("watermark"),
        };
        keyed.Allow("key");
        keyed.RejectUnknown();
        return options;
    }

    /// <summary>The named paths flattening does not produce ("tags.0"): added to each row, and kept out of metadata unless included by name.</summary>
    internal IReadOnlyList<string> ExtraPaths()
        => Mapping.NamedFields().Concat(Watermark is null ? [] : [Watermark]).Where(p => p != "_id" && !DocumentRow.IsFlattened(p, FlattenDepth)).Distinct(StringComparer.Ordinal).ToList();

    private static MappingOptions WithExtraPathsHidden(MappingOptions mapping, int flattenDepth)
    {
        var hidden = mapping.NamedFields().Where(p => !DocumentRow.IsFlattened(p, flattenDepth) && !mapping.MetadataInclude.Contains(p));
        return new MappingOptions
        {
            Key = mapping.Key,
            Text = mapping.Text,
            Template = mapping.Template,
            Timestamp = mapping.Timestamp,
            MetadataInclude = mapping.MetadataInclude,
            MetadataExclude = [.. mapping.MetadataExclude.Concat(hidden).Distinct(StringComparer.Ordinal)],
            References = [],
            Kind = mapping.Kind,
            MaxContentBytes = mapping.MaxContentBytes,
        };
    }

    private static BsonDocument? ReadDocument(ConfigNode node, string name, string example)
    {
        if (!node.Has(name))
        {
            node.Allow(name);
            return null;
        }

        var text = node.Element.GetProperty(name).ValueKind == JsonValueKind.Object ? node.OptionalObject(name)!.Element.GetRawText() : node.OptionalString(name)!;
        try
        {
            return BsonDocument.Parse(text);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or MongoDB.Bson.BsonSerializationException)
        {
            throw ErrorFactory.Config(node.At(name), $"is not a MongoDB query document: {ex.Message}", example + " Shell syntax (ObjectId(\"...\"), ISODate(\"...\")) and Extended JSON both work.");
        }
    }

    private static BsonDocument? ReadProjection(ConfigNode node)
    {
        var projection = ReadDocument(node, "projection", "E.g. \"projection\": { \"title\": 1, \"body\": 1, \"author\": 1 }.");
        if (projection is not null && projection.TryGetValue("_id", out var id) && id.IsNumeric && id.ToInt32() == 0)
        {
            throw ErrorFactory.Config(node.At("projection"), "excludes _id, which identifies every record and is the read order.", "Remove \"_id\": 0 from the projection.");
        }

        return projection;
    }
}
