using System.Text.Json.Nodes;
using EngramBulkLoad.MongoDb.TestServer;
using EngramBulkLoad.Sources.Conformance;
using MongoDB.Bson;

namespace EngramBulkLoad.Sources.MongoDb.Tests;

/// <summary>
/// The conformance suite over the in-repo MongoDB server (authentication on), one database per test. Items are
/// documents with the item's id as a string _id, typed fields, and "updated" as a BSON date.
/// </summary>
public sealed class MongoConformanceTests(MongoConformanceTests.Server server) : SourceConformanceTests, IClassFixture<MongoConformanceTests.Server>
{
    protected override IRecordSourceFactory Factory { get; } = new MongoSourceFactory();

    protected override bool SupportsWatermark => true;

    protected override string? SecretInSection => MongoFixture.Password;

    protected override Task<ConformanceCollection> CreateCollectionAsync(IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        var database = "conf_" + Guid.NewGuid().ToString("N")[..12];
        server.Mongo.Store.CreateCollection(database, "items");
        server.Mongo.Store.Insert(database, "items", items.Select(Document));
        return Task.FromResult(new ConformanceCollection("items", database));
    }

    // The store has no update; a changed item is a new version replacing the old one, as an upsert would leave it.
    protected override Task UpsertAsync(ConformanceCollection collection, IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        server.Mongo.Store.Replace(collection.Location, "items", items.Select(Document));
        return Task.CompletedTask;
    }

    protected override JsonObject SourceSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location, "items", mapping, server.Mongo.ConnectionString(MongoFixture.User, MongoFixture.Password));

    protected override JsonNode WhereCategoryIs(string category) => $"{{ category: '{category}' }}";

    protected override JsonObject? UnreachableSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location, "items", mapping, "mongodb://127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=2000&connectTimeoutMS=1000");

    protected override JsonObject? WrongCredentialsSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location, "items", mapping, server.Mongo.ConnectionString(MongoFixture.User, WrongSecret));

    protected override (JsonObject Section, string Named) MissingCollectionSection(ConformanceCollection collection, JsonObject mapping)
        => (Section(collection.Location, "no_such_items", mapping, server.Mongo.ConnectionString(MongoFixture.User, MongoFixture.Password)), "has no collection 'no_such_items'");

    private static JsonObject Section(string database, string name, JsonObject mapping, string connectionString)
    {
        var collection = mapping.DeepClone().AsObject();
        collection["collection"] = name;
        if (collection["where"] is { } where)
        {
            collection.Remove("where");
            collection["filter"] = where.DeepClone();
        }

        return new JsonObject
        {
            ["kind"] = "mongodb",
            ["connectionString"] = connectionString,
            ["database"] = database,
            ["collections"] = new JsonArray(collection),
        };
    }

    private static BsonDocument Document(ConformanceItem item) => new()
    {
        { "_id", item.Id },
        { ConformanceFields.Title, item.Title },
        { ConformanceFields.Body, item.Body },
        { ConformanceFields.Category, item.Category },
        { ConformanceFields.Rank, item.Rank },
        { ConformanceFields.Score, item.Score },
        { ConformanceFields.Active, item.Active },
        { ConformanceFields.Updated, new BsonDateTime(item.Updated.UtcDateTime) },
    };

    /// <summary>One server for the class, with the fixture's user.</summary>
    public sealed class Server : IAsyncDisposable
    {
        public Server()
        {
            Mongo = MongoTestServer.Start();
            Mongo.AddUser(MongoFixture.User, MongoFixture.Password);
        }

        public MongoTestServer Mongo { get; }

        public ValueTask DisposeAsync() => Mongo.DisposeAsync();
    }
}
