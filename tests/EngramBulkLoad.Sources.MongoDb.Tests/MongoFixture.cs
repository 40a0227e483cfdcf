using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.MongoDb.TestServer;
using MongoDB.Bson;

namespace EngramBulkLoad.Sources.MongoDb.Tests;

/// <summary>
/// One in-repo MongoDB server per test, with authentication on (user "reader"), and the MongoDB source built
/// from a config section exactly as the job builds it.
/// </summary>
internal sealed class MongoFixture : IAsyncDisposable
{
    public const string User = "reader";
    public const string Password = "correct-horse-battery";
    public const string Database = "shop";

    private MongoFixture(MongoTestServer server) => Server = server;

    public MongoTestServer Server { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static MongoFixture Start()
    {
        var server = MongoTestServer.Start();
        server.AddUser(User, Password);
        return new MongoFixture(server);
    }

    public void Insert(string collection, params BsonDocument[] documents) => Server.Store.Insert(Database, collection, documents);

    /// <summary>A source whose collections are the JSON list given; the connection string carries the password unless one is given.</summary>
    public IRecordSource Source(string collections, ShardSpec? shard = null, string? password = null, ExtractSettings? extract = null)
    {
        var config = Config(collections, password);
        return new MongoSourceFactory().Create(config.Sources[0], extract ?? config.Extract, shard);
    }

    public JobConfig Config(string collections, string? password = null, string? snapshot = null)
    {
        var section = new JsonObject
        {
            ["name"] = "mongo",
            ["kind"] = "mongodb",
            ["connectionString"] = Server.ConnectionString(User, password ?? Password),
            ["database"] = Database,
            ["collections"] = JsonNode.Parse(collections),
        };
        var snapshotSetting = snapshot is null ? string.Empty : $"\"snapshot\": {JsonValue.Create(snapshot).ToJsonString()},";
        return JobConfigLoader.Parse($$"""{ "migrationId": "mongo-test", {{snapshotSetting}} "sources": [ {{section.ToJsonString()}} ] }""", "/tmp/mongo-test.json");
    }

    public static async Task<List<SourceItem>> ReadAllAsync(IRecordSource source, string collection, string? cursor = null)
    {
        await source.CheckAsync(Ct);
        return await source.ReadAsync(collection, cursor, Ct).ToListAsync(Ct).AsTask().WaitAsync(TimeSpan.FromMinutes(1), Ct);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
