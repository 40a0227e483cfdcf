using System.Text.Json;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using MongoDB.Bson;

namespace EngramBulkLoad.Sources.MongoDb.Tests;

/// <summary>The MongoDB source through the official driver against the in-repo server: types, order, references, rejects.</summary>
public sealed class MongoExtractionTests
{
    private static CancellationToken Ct => MongoFixture.Ct;

    [Fact]
    public async Task Read_EveryBsonType_MetadataHasItsStatedForm()
    {
        await using var mongo = MongoFixture.Start();
        var uuid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        mongo.Insert("things", new BsonDocument
        {
            { "_id", new ObjectId("65a1b2c3d4e5f60718293a4b") },
            { "body", "every type" },
            { "double", 1.5 },
            { "nan", double.NaN },
            { "int", 42 },
            { "long", 9_007_199_254_740_993L },
            { "decimal", Decimal128.Parse("1234567890.123456789012345678901234") },
            { "bool", true },
            { "date", new BsonDateTime(new DateTime(2024, 2, 29, 12, 30, 45, 123, DateTimeKind.Utc)) },
            { "farDate", new BsonDateTime(253_402_300_800_000 + 1) },
            { "oid", new ObjectId("65a1b2c3d4e5f60718293a4c") },
            { "uuid", new BsonBinaryData(uuid, GuidRepresentation.Standard) },
            { "bin", new BsonBinaryData([1, 2, 3]) },
            { "bigBin", new BsonBinaryData(new byte[2000]) },
            { "regex", new BsonRegularExpression("^ab+c", "i") },
            { "ts", new BsonTimestamp(1_700_000_000, 7) },
            { "code", new BsonJavaScript("function() { return 1; }") },
            { "codeScope", new BsonJavaScriptWithScope("x + 1", new BsonDocument("x", 1)) },
            { "symbol", BsonSymbol.Create("sym") },
            { "min", BsonMinKey.Value },
            { "max", BsonMaxKey.Value },
            { "null", BsonNull.Value },
            { "undefined", BsonUndefined.Value },
            { "array", new BsonArray { 1, "two", new ObjectId("65a1b2c3d4e5f60718293a4d"), new BsonDocument("x", 1) } },
        });
        var source = mongo.Source("""[ { "collection": "things", "text": "body" } ]""");

        var record = Assert.Single(await MongoFixture.ReadAllAsync(source, "things")).Record!;

        using var metadata = JsonDocument.Parse(record.MetadataJson);
        var m = metadata.RootElement;
        Assert.Equal("65a1b2c3d4e5f60718293a4b", m.GetProperty("_id").GetString());
        Assert.Equal(1.5, m.GetProperty("double").GetDouble());
        Assert.Equal("NaN", m.GetProperty("nan").GetString());
        Assert.Equal(42, m.GetProperty("int").GetInt32());
        Assert.Equal("9007199254740993", m.GetProperty("long").GetRawText()); // exact, beyond a double's integers
        Assert.Equal("1234567890.123456789012345678901234", m.GetProperty("decimal").GetString());
        Assert.True(m.GetProperty("bool").GetBoolean());
        Assert.Equal("2024-02-29T12:30:45.1230000Z", m.GetProperty("date").GetString());
        Assert.Equal("Date(253402300800001)", m.GetProperty("farDate").GetString());
        Assert.Equal("65a1b2c3d4e5f60718293a4c", m.GetProperty("oid").GetString());
        Assert.Equal(uuid.ToString("D"), m.GetProperty("uuid").GetString());
        Assert.Equal("base64:AQID", m.GetProperty("bin").GetString());
        Assert.StartsWith("binary: 2000 bytes, sha256 ", m.GetProperty("bigBin").GetString(), StringComparison.Ordinal);
        Assert.Equal("/^ab+c/i", m.GetProperty("regex").GetString());
        Assert.Equal("Timestamp(1700000000, 7)", m.GetProperty("ts").GetString());
        Assert.Equal("function() { return 1; }", m.GetProperty("code").GetString());
        Assert.Equal("""{"$code":"x \u002B 1","$scope":{"x":1}}""", m.GetProperty("codeScope").GetRawText());
        Assert.Equal("sym", m.GetProperty("symbol").GetString());
        Assert.Equal("MinKey", m.GetProperty("min").GetString());
        Assert.Equal("MaxKey", m.GetProperty("max").GetString());
        Assert.Equal(JsonValueKind.Null, m.GetProperty("null").ValueKind);
        Assert.Equal(JsonValueKind.Null, m.GetProperty("undefined").ValueKind);
        Assert.Equal("""[1,"two","65a1b2c3d4e5f60718293a4d",{"x":1}]""", m.GetProperty("array").GetRawText());
        Assert.False(m.TryGetProperty("body", out _)); // the text field is content, not metadata
        Assert.Equal("every type", record.Content);
    }

    [Fact]
    public async Task Read_MixedIdTypes_EveryDocumentInBsonSortOrder()
    {
        await using var mongo = MongoFixture.Start();
        var uuid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        // Inserted out of order; the documented order is MinKey, Null, numbers, strings, objects, BinData, ObjectId, Boolean, Date, MaxKey.
        mongo.Insert("mixed",
            Doc(new ObjectId("65a1b2c3d4e5f60718293a4b")), Doc("b"), Doc(2), Doc(BsonMaxKey.Value), Doc(true), Doc(new BsonDocument("k", 1)),
            Doc(new BsonBinaryData(uuid, GuidRepresentation.Standard)), Doc(1.5), Doc("a"), Doc(BsonNull.Value), Doc(10L),
            Doc(new BsonDateTime(1_700_000_000_000)), Doc(BsonMinKey.Value), Doc(false));
        var source = mongo.Source("""[ { "collection": "mixed", "text": "body" } ]""");

        var keys = (await MongoFixture.ReadAllAsync(source, "mixed")).Select(i => i.Record!.SourceKey).ToList();

        Assert.Equal(
            ["{\"$minKey\":1}", "null", "1.5", "2", "10", "a", "b", "{\"k\":{\"$numberInt\":\"1\"}}", uuid.ToString("D"), "65a1b2c3d4e5f60718293a4b",
             "false", "true", "{\"$date\":{\"$numberLong\":\"1700000000000\"}}", "{\"$maxKey\":1}"],
            keys);
    }

    [Fact]
    public async Task Read_ResumedFromEveryCursor_ReadsExactlyTheRestAcrossBrackets()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("mixed", Doc(3), Doc("x"), Doc(new ObjectId("65a1b2c3d4e5f60718293a4b")), Doc(1), Doc("a"), Doc(new BsonDocument("n", 2)), Doc(true));
        var source = mongo.Source("""[ { "collection": "mixed", "text": "body", "batchSize": 2 } ]""");
        var all = await MongoFixture.ReadAllAsync(source, "mixed");

        for (var i = 0; i < all.Count; i++)
        {
            var rest = await MongoFixture.ReadAllAsync(source, "mixed", all[i].Position.Cursor);
            Assert.Equal(all.Skip(i + 1).Select(x => x.Record!.MemoryId), rest.Select(x => x.Record!.MemoryId));
        }

        Assert.Contains("\"bracket\":\"string\"", all[3].Position.Cursor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_DbRefsAndReferenceFields_BecomeEdgesToTheReferencedMemories()
    {
        await using var mongo = MongoFixture.Start();
        var alice = new ObjectId("65a1b2c3d4e5f60718293a01");
        var bob = new ObjectId("65a1b2c3d4e5f60718293a02");
        mongo.Insert("users", new BsonDocument { { "_id", alice }, { "name", "Alice" } }, new BsonDocument { { "_id", bob }, { "name", "Bob" } });
        mongo.Insert("posts", new BsonDocument
        {
            { "_id", 1 },
            { "body", "hello" },
            { "authorId", alice },
            { "reviewers", new BsonArray { alice, bob } },
            { "meta", new BsonDocument("editor", new BsonDocument { { "$ref", "users" }, { "$id", bob } }) },
            { "links", new BsonArray { new BsonDocument { { "$ref", "users" }, { "$id", alice } }, new BsonDocument { { "$ref", "users" }, { "$id", bob }, { "$db", "elsewhere" } } } },
        });
        var source = mongo.Source("""
            [ { "collection": "users", "text": "name" },
              { "collection": "posts", "text": "body", "references": [
                  { "fields": "authorId", "references": "users", "relation": "written_by", "weight": 0.9 },
                  { "fields": "reviewers", "references": "users", "relation": "reviewed_by" } ] } ]
            """);

        var users = await MongoFixture.ReadAllAsync(source, "users");
        var post = Assert.Single(await MongoFixture.ReadAllAsync(source, "posts"));

        var id = users.ToDictionary(u => u.Record!.SourceKey, u => u.Record!.MemoryId);
        var edges = post.Edges.Select(e => (e.Relation, e.ToMemoryId)).Order().ToList();
        Assert.Equal(
            new[]
            {
                ("links", id[alice.ToString()]),
                ("links", MemoryIdentity.ForRecord("mongodb", "mongo", "elsewhere.users", bob.ToString())),
                ("meta.editor", id[bob.ToString()]),
                ("reviewed_by", id[alice.ToString()]),
                ("reviewed_by", id[bob.ToString()]),
                ("written_by", id[alice.ToString()]),
            }.Order(),
            edges);
        Assert.Equal(0.9, post.Edges.Single(e => e.Relation == "written_by").Weight);
    }

    [Fact]
    public async Task Read_DeepNesting_FlattensToTheDepthLimitThenKeepsJson()
    {
        await using var mongo = MongoFixture.Start();
        var deep = new BsonDocument("e", "bottom");
        foreach (var name in new[] { "d", "c", "b" })
        {
            deep = new BsonDocument(name, deep);
        }

        mongo.Insert("nested", new BsonDocument { { "_id", "n1" }, { "body", "x" }, { "a", deep }, { "author", new BsonDocument { { "name", "Ann" } } }, { "tags", new BsonArray { "red", "blue" } } });
        var source = mongo.Source("""[ { "collection": "nested", "template": "{author.name}: {tags.0}", "flattenDepth": 2 } ]""");

        var record = Assert.Single(await MongoFixture.ReadAllAsync(source, "nested")).Record!;

        using var metadata = JsonDocument.Parse(record.MetadataJson);
        Assert.Equal("""{"d":{"e":"bottom"}}""", metadata.RootElement.GetProperty("a.b.c").GetRawText());
        Assert.Equal("""["red","blue"]""", metadata.RootElement.GetProperty("tags").GetRawText());
        Assert.False(metadata.RootElement.TryGetProperty("tags.0", out _));
        Assert.Equal("Ann: red", record.Content);
    }

    [Fact]
    public async Task Read_SixteenMegabyteDocument_IsExtractedWhole()
    {
        await using var mongo = MongoFixture.Start();
        var body = new string('w', EngramBulkLoad.MongoDb.TestServer.MongoTestServer.MaxBsonObjectSize - 1024);
        mongo.Insert("big", new BsonDocument { { "_id", 1 }, { "body", body } }, new BsonDocument { { "_id", 2 }, { "body", "small" } });
        var config = mongo.Config("""[ { "collection": "big", "text": "body", "maxContentBytes": 33554432 } ]""");
        var source = new MongoSourceFactory().Create(config.Sources[0], config.Extract, null);

        var items = await MongoFixture.ReadAllAsync(source, "big");

        Assert.Equal(body.Length, items[0].Record!.Content.Length);
        Assert.Equal("small", items[1].Record!.Content);
    }

    [Fact]
    public async Task Read_ServerForgetsTheCursorMidRead_ResumesAfterTheLastIdWithoutLossOrDuplicates()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", [.. Enumerable.Range(1, 100).Select(i => new BsonDocument { { "_id", i }, { "body", $"doc {i}" } })]);
        var source = mongo.Source("""[ { "collection": "docs", "text": "body", "batchSize": 10 } ]""");
        await source.CheckAsync(Ct);

        var keys = new List<string>();
        await foreach (var item in source.ReadAsync("docs", null, Ct))
        {
            keys.Add(item.Record!.SourceKey);
            if (keys.Count == 25)
            {
                Assert.Equal(1, mongo.Server.ExpireCursors()); // as cursorTimeoutMillis would
            }
        }

        Assert.Equal(Enumerable.Range(1, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), keys);
        Assert.Equal(2, mongo.Server.CommandCounts["find"]);
    }

    [Fact]
    public async Task Check_WrongPassword_FailsWithTheUserAndNeverThePassword()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", new BsonDocument { { "_id", 1 }, { "body", "x" } });
        var source = mongo.Source("""[ { "collection": "docs", "text": "body" } ]""", password: "wrong-password-123");

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("refused user 'reader'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Check the user name and the password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-123", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, mongo.Server.CommandCounts.GetValueOrDefault("saslContinue"));
    }

    [Fact]
    public async Task Check_MissingCollection_NamesTheCollectionsThatExist()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("articles", new BsonDocument { { "_id", 1 }, { "body", "x" } });
        var source = mongo.Source("""[ { "collection": "article", "text": "body" } ]""");

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("has no collection 'article'; it has articles", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_DocumentWithoutContentField_IsARejectWithItsId()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", new BsonDocument { { "_id", 1 }, { "body", "x" } }, new BsonDocument { { "_id", 2 }, { "title", "no body" } });
        var source = mongo.Source("""[ { "collection": "docs", "text": "body" } ]""");

        var items = await MongoFixture.ReadAllAsync(source, "docs");

        var reject = items[1].Reject!;
        Assert.Equal("2", reject.SourceKey);
        Assert.Equal(RejectCodes.EmptyText, reject.Code);
        Assert.Contains("has no content field 'body'", reject.Message, StringComparison.Ordinal);
        Assert.Equal("_id 2", reject.Location);
    }

    [Fact]
    public async Task Read_ShellFilterAndProjection_AreAppliedByTheServer()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs",
            new BsonDocument { { "_id", 1 }, { "body", "a" }, { "status", "live" }, { "views", 5 }, { "secret", "s" } },
            new BsonDocument { { "_id", 2 }, { "body", "b" }, { "status", "draft" }, { "views", 50 } },
            new BsonDocument { { "_id", 3 }, { "body", "c" }, { "status", "live" }, { "views", 50L }, { "secret", "t" } });
        var source = mongo.Source("""[ { "collection": "docs", "text": "body", "filter": "{ status: 'live', views: { $gte: NumberLong(10) } }", "projection": { "secret": 0 } } ]""");

        var record = Assert.Single(await MongoFixture.ReadAllAsync(source, "docs")).Record!;

        Assert.Equal("3", record.SourceKey);
        Assert.DoesNotContain("secret", record.MetadataJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_TwoShards_SplitTheCollectionExactly()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", [.. Enumerable.Range(1, 200).Select(i => new BsonDocument { { "_id", i }, { "body", $"doc {i}" } })]);
        const string Collections = """[ { "collection": "docs", "text": "body" } ]""";

        var first = await MongoFixture.ReadAllAsync(mongo.Source(Collections, new ShardSpec(0, 2)), "docs");
        var second = await MongoFixture.ReadAllAsync(mongo.Source(Collections, new ShardSpec(1, 2)), "docs");

        var keys = first.Concat(second).Select(i => i.Record!.SourceKey).ToList();
        Assert.Equal(200, keys.Distinct().Count());
        Assert.Equal(200, keys.Count);
        Assert.InRange(first.Count, 60, 140);
        Assert.All(first, i => Assert.True(new ShardSpec(0, 2).Includes(i.Record!.SourceKey)));
    }

    [Fact]
    public async Task EstimateCount_IsTheCollectionCountPerShard()
    {
        await using var mongo = MongoFixture.Start();
        mongo.Insert("docs", [.. Enumerable.Range(1, 30).Select(i => new BsonDocument { { "_id", i }, { "body", "x" } })]);

        var whole = await mongo.Source("""[ { "collection": "docs", "text": "body" } ]""").EstimateCountAsync("docs", Ct);
        var half = await mongo.Source("""[ { "collection": "docs", "text": "body" } ]""", new ShardSpec(1, 2)).EstimateCountAsync("docs", Ct);

        Assert.Equal(30, whole);
        Assert.Equal(15, half);
    }

    [Fact]
    public async Task Backfill_ByWatermark_ReadsOnlyDocumentsChangedSinceTheLastValue()
    {
        await using var mongo = MongoFixture.Start();
        var t0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        mongo.Insert("docs", [.. Enumerable.Range(1, 5).Select(i => new BsonDocument { { "_id", i }, { "body", $"v1 {i}" }, { "updatedAt", t0.AddMinutes(i) } })]);
        var source = mongo.Source("""[ { "collection": "docs", "text": "body", "watermark": "updatedAt" } ]""");
        var watermarked = (IWatermarkedSource)source;
        var first = await watermarked.ReadWatermarkAsync("docs", null, Ct);
        mongo.Insert("docs", new BsonDocument { { "_id", 6 }, { "body", "new" }, { "updatedAt", t0.AddHours(1) } }, new BsonDocument { { "_id", 0 }, { "body", "new too" }, { "updatedAt", t0.AddHours(2) } });

        var upTo = await watermarked.ReadWatermarkAsync("docs", first, Ct);
        var changed = await MongoFixture.ReadAllAsync(source, "docs", watermarked.BackfillCursor("docs", first, upTo!));

        Assert.Equal("""{"$date":{"$numberLong":"1704067500000"}}""", first);
        Assert.Equal(["0", "6"], changed.Select(i => i.Record!.SourceKey));
        Assert.Null(await watermarked.ReadWatermarkAsync("docs", upTo, Ct));
        Assert.Contains("\"backfill\"", changed[0].Position.Cursor, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ConnectionStringPassword_IsNotInTheSettings()
    {
        var config = JobConfigLoader.Parse(
            """{ "migrationId": "mig", "sources": [ { "name": "mongo", "kind": "mongodb", "connectionString": "mongodb://reader:p4ssw0rd-xyz@db:27017/?authSource=admin", "database": "shop", "collections": [ { "collection": "a", "text": "body" } ] } ] }""",
            "/tmp/m.json");

        var described = new MongoSourceFactory().Create(config.Sources[0], config.Extract, null).DescribeSettings().ToJsonString();

        Assert.DoesNotContain("p4ssw0rd-xyz", described, StringComparison.Ordinal);
        Assert.Contains("reader@db", described, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_ProjectionExcludingId_IsRefusedWithTheFix()
    {
        var config = JobConfigLoader.Parse(
            """{ "migrationId": "mig", "sources": [ { "name": "mongo", "kind": "mongodb", "connectionString": "mongodb://db:27017", "database": "shop", "collections": [ { "collection": "a", "text": "body", "projection": { "_id": 0, "body": 1 } } ] } ] }""",
            "/tmp/m.json");

        var error = Assert.Throws<ConfigException>(() => new MongoSourceFactory().Create(config.Sources[0], config.Extract, null));

        Assert.Contains("Remove \"_id\": 0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"weightField\": \"w\"")]
    [InlineData("\"element\": { \"id\": \"to\" }")]
    public void Config_ReferenceSettingsTheSourceDoesNotRead_AreRefused(string setting)
    {
        var config = JobConfigLoader.Parse(
            $$"""{ "migrationId": "mig", "sources": [ { "name": "mongo", "kind": "mongodb", "connectionString": "mongodb://db:27017", "database": "shop", "collections": [ { "collection": "a", "text": "body", "references": [ { "fields": "links", "references": "a", {{setting}} } ] } ] } ] }""",
            "/tmp/m.json");

        var error = Assert.Throws<ConfigException>(() => new MongoSourceFactory().Create(config.Sources[0], config.Extract, null));

        Assert.Contains("which the MongoDB source does not read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_TheSample_BuildsASourceWithItsCollections()
    {
        Environment.SetEnvironmentVariable("MONGO_PASSWORD", "sample-password-value");
        var path = Path.Combine(AppContext.BaseDirectory, "mongodb-example.json");

        var config = JobConfigLoader.Parse(File.ReadAllText(path), path);
        var source = new MongoSourceFactory().Create(config.Sources[0], config.Extract, null);

        Assert.Equal(["posts", "users"], source.Collections);
        Assert.DoesNotContain("sample-password-value", source.DescribeSettings().ToJsonString(), StringComparison.Ordinal);
    }

    private static BsonDocument Doc(BsonValue id) => new() { { "_id", id }, { "body", "text" } };
}
