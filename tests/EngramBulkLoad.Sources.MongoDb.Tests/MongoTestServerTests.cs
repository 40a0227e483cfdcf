using EngramBulkLoad.MongoDb.TestServer;
using MongoDB.Bson;
using MongoDB.Driver;

namespace EngramBulkLoad.Sources.MongoDb.Tests;

/// <summary>
/// The in-repo server as the official driver sees it, checked against MongoDB's documented behaviour (not
/// against what the source needs): sort order across types, type bracketing, auth, cursor lifecycle, counts.
/// </summary>
public sealed class MongoTestServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Find_SortAcrossTypes_FollowsTheDocumentedComparisonOrder()
    {
        await using var mongo = MongoFixture.Start();
        // https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/
        BsonValue[] ordered =
        [
            BsonMinKey.Value, BsonNull.Value, double.NaN, -1.5, 2, 3L, Decimal128.Parse("3.5"), "B", "a", new BsonDocument("a", 1),
            new BsonArray { 1 }, new BsonBinaryData([9]), new BsonBinaryData([1, 2]), ObjectId.Parse("65a1b2c3d4e5f60718293a4b"), false, true,
            new BsonDateTime(0), new BsonTimestamp(1, 1), new BsonRegularExpression("a"), BsonMaxKey.Value,
        ];
        mongo.Insert("values", [.. ordered.Reverse().Select((v, i) => new BsonDocument { { "_id", i }, { "v", v } })]);
        var collection = Client(mongo).GetDatabase(MongoFixture.Database).GetCollection<BsonDocument>("values");

        var sorted = await collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("v", 1)).ToListAsync(Ct);

        // An array sorts by its smallest element ascending, so [1] sorts with the numbers: between -1.5 and 2.
        var expected = ordered.Where(v => v is not BsonArray).ToList();
        expected.Insert(4, new BsonArray { 1 });
        Assert.Equal(expected, sorted.Select(d => d["v"]));
    }

    [Fact]
    public async Task Find_RangeOperator_MatchesOnlyItsTypeBracket()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("mixed", new BsonDocument("_id", 5), new BsonDocument("_id", "5"), new BsonDocument("_id", 7.5), new BsonDocument("_id", ObjectId.Parse("65a1b2c3d4e5f60718293a4b")));
        var collection = Client(mongo).GetDatabase(MongoFixture.Database).GetCollection<BsonDocument>("mixed");

        var numbers = await collection.Find(new BsonDocument("_id", new BsonDocument("$gt", 1))).ToListAsync(Ct);
        var strings = await collection.Find(new BsonDocument("_id", new BsonDocument("$gte", ""))).ToListAsync(Ct);
        var typed = await collection.Find(new BsonDocument("_id", new BsonDocument("$type", new BsonArray { "objectId", "string" }))).ToListAsync(Ct);

        Assert.Equal([5, 7.5], numbers.Select(d => d["_id"].ToDouble()));
        Assert.Equal("5", Assert.Single(strings)["_id"].AsString);
        Assert.Equal(2, typed.Count);
    }

    [Fact]
    public async Task Find_WithoutAuthentication_IsUnauthorized()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", new BsonDocument("_id", 1));
        using var client = new MongoClient(mongo.Server.ConnectionString());

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => client.GetDatabase(MongoFixture.Database).GetCollection<BsonDocument>("docs").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(Ct));

        Assert.Equal((13, "Unauthorized"), (error.Code, error.CodeName));
    }

    [Fact]
    public async Task Find_WrongPassword_FailsScramWithAuthenticationFailed()
    {
        await using var mongo = MongoFixture.Start();
        using var client = new MongoClient(mongo.Server.ConnectionString(MongoFixture.User, "not-the-password"));

        var error = await Assert.ThrowsAsync<MongoAuthenticationException>(() => client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: Ct));

        Assert.Contains("SCRAM-SHA-256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cursor_ReadInBatches_UsesGetMoreAndKillsAnAbandonedCursor()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", [.. Enumerable.Range(1, 50).Select(i => new BsonDocument("_id", i))]);
        var collection = Client(mongo).GetDatabase(MongoFixture.Database).GetCollection<BsonDocument>("docs");

        var all = await collection.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { BatchSize = 7 }).ToListAsync(Ct);
        using (var cursor = await collection.FindAsync(FilterDefinition<BsonDocument>.Empty, new FindOptions<BsonDocument> { BatchSize = 7 }, Ct))
        {
            Assert.True(await cursor.MoveNextAsync(Ct));
            Assert.Equal(1, mongo.Server.OpenCursors);
        }

        Assert.Equal(50, all.Count);
        Assert.Equal(7, mongo.Server.GetMores); // 50 = 7 + 6 getMores of 7 + one of 1
        Assert.Equal(0, mongo.Server.OpenCursors); // disposing the open cursor sent killCursors
        Assert.Equal(1, mongo.Server.CommandCounts["killCursors"]);
    }

    [Fact]
    public async Task GetMore_AfterTheCursorTimedOut_IsCursorNotFound()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", [.. Enumerable.Range(1, 20).Select(i => new BsonDocument("_id", i))]);
        var collection = Client(mongo).GetDatabase(MongoFixture.Database).GetCollection<BsonDocument>("docs");
        using var cursor = await collection.FindAsync(FilterDefinition<BsonDocument>.Empty, new FindOptions<BsonDocument> { BatchSize = 5 }, Ct);
        Assert.True(await cursor.MoveNextAsync(Ct));

        mongo.Server.ExpireCursors();
        var error = await Assert.ThrowsAnyAsync<MongoException>(() => cursor.MoveNextAsync(Ct));

        // The driver turns error 43 (CursorNotFound) into its own exception type.
        Assert.Contains("not found", Assert.IsType<MongoCursorNotFoundException>(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counts_EstimatedAndFiltered_AnswerAsTheServerDoes()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", [.. Enumerable.Range(1, 12).Select(i => new BsonDocument { { "_id", i }, { "even", i % 2 == 0 } })]);
        var collection = Client(mongo).GetDatabase(MongoFixture.Database).GetCollection<BsonDocument>("docs");

        var estimated = await collection.EstimatedDocumentCountAsync(cancellationToken: Ct);
        var counted = await collection.CountDocumentsAsync(new BsonDocument("even", true), cancellationToken: Ct);
        var names = await (await collection.Database.ListCollectionNamesAsync(cancellationToken: Ct)).ToListAsync(Ct);

        Assert.Equal((12, 6), (estimated, counted));
        Assert.Equal(["docs"], names);
    }

    [Fact]
    public async Task Insert_RepeatedId_OrderedStopsAtTheDuplicateKeyErrorUnorderedGoesOn()
    {
        await using var mongo = MongoFixture.Start();
        var collection = Client(mongo).GetDatabase(MongoFixture.Database).GetCollection<BsonDocument>("inserted");
        await collection.InsertOneAsync(new BsonDocument("_id", 2), cancellationToken: Ct);

        // https://www.mongodb.com/docs/manual/reference/command/insert/: an ordered insert stops at the first write error.
        var ordered = await Assert.ThrowsAsync<MongoBulkWriteException<BsonDocument>>(
            () => collection.InsertManyAsync([new BsonDocument("_id", 1), new BsonDocument("_id", 2), new BsonDocument("_id", 3)], cancellationToken: Ct));
        var unordered = await Assert.ThrowsAsync<MongoBulkWriteException<BsonDocument>>(
            () => collection.InsertManyAsync([new BsonDocument("_id", 4), new BsonDocument("_id", 2), new BsonDocument("_id", 5)], new InsertManyOptions { IsOrdered = false }, Ct));

        Assert.Equal((1, 11000), (Assert.Single(ordered.WriteErrors).Index, Assert.Single(ordered.WriteErrors).Code));
        Assert.Equal(ServerErrorCategory.DuplicateKey, unordered.WriteErrors[0].Category);
        var ids = (await collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToListAsync(Ct)).Select(d => d["_id"].AsInt32);
        Assert.Equal([1, 2, 4, 5], ids);
    }

    private static MongoClient Client(MongoFixture mongo) => new(mongo.Server.ConnectionString(MongoFixture.User, MongoFixture.Password));
}
