using DotNet.Testcontainers.Builders;
using MongoDB.Bson;
using MongoDB.Driver;

namespace EngramBulkLoad.Sources.MongoDb.Tests;

/// <summary>
/// The same source against the official mongo image, where a Docker engine exists. Machines without Docker
/// (these build machines) skip it with that reason.
/// </summary>
public sealed class MongoContainerTests
{
    [Fact]
    public async Task Read_OfficialImage_MixedIdsAndDbRefsAsAgainstTheInRepoServer()
    {
        var ct = TestContext.Current.CancellationToken;
        var hasDocker = File.Exists("/var/run/docker.sock") || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"));
        Assert.SkipUnless(hasDocker, "No Docker engine here (no /var/run/docker.sock, no DOCKER_HOST); the Testcontainers test runs where Docker exists.");

        await using var container = new ContainerBuilder("mongo:7.0")
            .WithEnvironment("MONGO_INITDB_ROOT_USERNAME", MongoFixture.User)
            .WithEnvironment("MONGO_INITDB_ROOT_PASSWORD", MongoFixture.Password)
            .WithPortBinding(27017, true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Waiting for connections"))
            .Build();
        await container.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(5), ct);
        var connectionString = $"mongodb://{MongoFixture.User}:{MongoFixture.Password}@{container.Hostname}:{container.GetMappedPublicPort(27017)}/?authSource=admin&directConnection=true";
        using (var client = new MongoClient(connectionString))
        {
            var docs = client.GetDatabase(MongoFixture.Database).GetCollection<BsonDocument>("docs");
            await docs.InsertManyAsync(
            [
                new BsonDocument { { "_id", "b" }, { "body", "string id" }, { "see", new BsonDocument { { "$ref", "docs" }, { "$id", 1 } } } },
                new BsonDocument { { "_id", 1 }, { "body", "number id" } },
                new BsonDocument { { "_id", ObjectId.Parse("65a1b2c3d4e5f60718293a4b") }, { "body", "object id" } },
            ], cancellationToken: ct);
        }

        var config = Configuration.JobConfigLoader.Parse(
            $$"""{ "migrationId": "tc-mongo", "sources": [ { "name": "mongo", "kind": "mongodb", "connectionString": "{{connectionString}}", "database": "{{MongoFixture.Database}}", "collections": [ { "collection": "docs", "text": "body" } ] } ] }""",
            "/tmp/tc-mongo.json");
        var source = new MongoSourceFactory().Create(config.Sources[0], config.Extract, null);

        var items = await MongoFixture.ReadAllAsync(source, "docs");
        var resumed = await source.ReadAsync("docs", items[0].Position.Cursor, ct).ToListAsync(ct);

        Assert.Equal(["1", "b", "65a1b2c3d4e5f60718293a4b"], items.Select(i => i.Record!.SourceKey));
        Assert.Equal(2, resumed.Count);
        Assert.Equal(items[0].Record!.MemoryId, Assert.Single(items[1].Edges).ToMemoryId);
    }
}
