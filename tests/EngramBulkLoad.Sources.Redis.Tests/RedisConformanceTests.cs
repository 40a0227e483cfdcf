using System.Text.Json.Nodes;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Conformance;
using StackExchange.Redis;

namespace EngramBulkLoad.Sources.Redis.Tests;

/// <summary>
/// The conformance suite over the real redis-server: each item a JSON string under a private key prefix,
/// the record id captured from the key. Read as an ACL user with a password, so the secret checks bite.
/// </summary>
public sealed class RedisConformanceTests : SourceConformanceTests
{
    protected override IRecordSourceFactory Factory { get; } = new RedisSourceFactory();

    protected override MemoryKind ExpectedKind => MemoryKind.Episodic;

    // SCAN promises every key present throughout exactly once here (the source drops repeats), not an order:
    // keys other tests add to the server resize its hash table between two scans and reorder them.
    protected override bool OrderIsStable => false;

    protected override string? SecretInSection => RedisServer.Password;

    protected override async Task<ConformanceCollection> CreateCollectionAsync(IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        var prefix = RedisServer.NewPrefix();
        var database = await RedisServer.DatabaseAsync();
        foreach (var chunk in items.Chunk(500))
        {
            await database.StringSetAsync(chunk.Select(item => new KeyValuePair<RedisKey, RedisValue>(prefix + item.Id, item.ToJson())).ToArray());
        }

        return new ConformanceCollection("items", prefix);
    }

    protected override JsonObject SourceSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location + "*", mapping, RedisServer.Port, RedisServer.Password);

    protected override JsonNode WhereCategoryIs(string category) => new JsonObject { [ConformanceFields.Category] = category };

    protected override JsonObject? UnreachableSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location + "*", mapping, 1, RedisServer.Password);

    protected override JsonObject? WrongCredentialsSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location + "*", mapping, RedisServer.Port, WrongSecret);

    protected override (JsonObject Section, string Named) MissingCollectionSection(ConformanceCollection collection, JsonObject mapping)
    {
        var match = collection.Location + "nothing:*";
        return (Section(match, mapping, RedisServer.Port, RedisServer.Password), $"matches '{match}'");
    }

    private static JsonObject Section(string match, JsonObject mapping, int port, string password)
    {
        var pattern = mapping.DeepClone().AsObject();
        pattern["match"] = match;
        pattern["collection"] = "items";
        pattern["id"] = "capture";
        return new JsonObject
        {
            ["kind"] = "redis",
            ["host"] = RedisServer.Host,
            ["port"] = port,
            ["user"] = RedisServer.User,
            ["password"] = password,
            ["timeoutMs"] = 3000,
            ["scanCount"] = 50,
            ["patterns"] = new JsonArray(pattern),
        };
    }
}
