using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using StackExchange.Redis;

namespace EngramBulkLoad.Sources.Redis.Tests;

public sealed class RedisExtractionTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _prefix = RedisServer.NewPrefix();
    private int _runs;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_EveryType_BecomesEpisodicRecordsWithTheirText()
    {
        var db = await RedisServer.DatabaseAsync();
        await db.StringSetAsync(_prefix + "plain", "just text");
        await db.StringSetAsync(_prefix + "json", """{"title": "Hello", "n": 3}""");
        await db.HashSetAsync(_prefix + "hash", [new HashEntry("b", "two"), new HashEntry("a", "one")]);
        await db.ListRightPushAsync(_prefix + "list", ["first", "second", "first"]);
        await db.SetAddAsync(_prefix + "set", ["pear", "apple"]);
        await db.SortedSetAddAsync(_prefix + "zset", [new SortedSetEntry("low", 1.5), new SortedSetEntry("high", 10)]);
        var e1 = await db.StreamAddAsync(_prefix + "stream", [new NameValueEntry("event", "login"), new NameValueEntry("user", "ada")], "1700000000000-0");
        await db.StreamAddAsync(_prefix + "stream", [new NameValueEntry("event", "logout")], "1700000005000-1");

        var snapshot = await ExtractAsync();

        var byKey = snapshot.Records.ToDictionary(r => r.SourceKey);
        Assert.Equal("just text", byKey["plain"].Content);
        Assert.Equal("""{"title": "Hello", "n": 3}""", byKey["json"].Content);
        Assert.Equal(3, JsonDocument.Parse(byKey["json"].MetadataJson).RootElement.GetProperty("n").GetInt32());
        Assert.Equal("a: one\nb: two", byKey["hash"].Content);
        Assert.Equal("one", JsonDocument.Parse(byKey["hash"].MetadataJson).RootElement.GetProperty("a").GetString());
        Assert.Equal("first\nsecond\nfirst", byKey["list"].Content);
        Assert.Equal("apple\npear", byKey["set"].Content);
        Assert.Equal("low (1.5)\nhigh (10)", byKey["zset"].Content);
        Assert.Equal("event: login\nuser: ada", byKey[$"stream/{e1}"].Content);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), byKey[$"stream/{e1}"].Timestamp);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_005_000), byKey["stream/1700000005000-1"].Timestamp);
        Assert.Equal(8, snapshot.Records.Count);
        Assert.All(snapshot.Records, r => Assert.Equal(MemoryKind.Episodic, r.Kind));
        Assert.All(snapshot.Records, r => Assert.Null(r.TtlSeconds));
        Assert.Equal("zset", JsonDocument.Parse(byKey["zset"].MetadataJson).RootElement.GetProperty("@type").GetString());
        Assert.Equal((8L, 8L, 0L), (snapshot.Counts[0].SourceRows, snapshot.Counts[0].Staged, snapshot.Counts[0].Rejected));
    }

    [Fact]
    public async Task Extract_KeyWithTtl_KeepsRemainingTtlAndExpiryTime()
    {
        var db = await RedisServer.DatabaseAsync();
        await db.StringSetAsync(_prefix + "short", "expires soon", TimeSpan.FromHours(1));
        await db.StringSetAsync(_prefix + "forever", "no ttl");
        var expected = DateTimeOffset.UtcNow.AddHours(1);

        var snapshot = await ExtractAsync();

        var withTtl = snapshot.Records.Single(r => r.SourceKey == "short");
        Assert.InRange(withTtl.TtlSeconds!.Value, 3500, 3600);
        var expiresAt = JsonDocument.Parse(withTtl.MetadataJson).RootElement.GetProperty("@expires_at").GetDateTimeOffset();
        Assert.InRange((expiresAt - expected).Duration(), TimeSpan.Zero, TimeSpan.FromMinutes(1));
        var forever = snapshot.Records.Single(r => r.SourceKey == "forever");
        Assert.Null(forever.TtlSeconds);
        Assert.False(JsonDocument.Parse(forever.MetadataJson).RootElement.TryGetProperty("@expires_at", out _));
    }

    [Fact]
    public async Task Extract_NonUtf8Bytes_RejectedWithReasonNeverStagedAsGarbage()
    {
        var db = await RedisServer.DatabaseAsync();
        await db.StringSetAsync(_prefix + "png", new byte[] { 0x89, 0x50, 0x4E, 0x47, 0xFF, 0xFE, 0x00 });
        await db.HashSetAsync(_prefix + "h", [new HashEntry("photo", new byte[] { 0xC3, 0x28 }), new HashEntry("name", "ok")]);
        await db.StringSetAsync(_prefix + "fine", "Zürich 東京 🎉");

        var snapshot = await ExtractAsync();

        Assert.Equal("Zürich 東京 🎉", Assert.Single(snapshot.Records).Content);
        Assert.Equal(["h", "png"], snapshot.Rejects.Select(r => r.SourceKey).Order());
        Assert.All(snapshot.Rejects, r => Assert.Equal(RejectCodes.NotText, r.Code));
        Assert.Contains("7 bytes that are not UTF-8 text", snapshot.Rejects.Single(r => r.SourceKey == "png").Message, StringComparison.Ordinal);
        Assert.Contains("field 'photo'", snapshot.Rejects.Single(r => r.SourceKey == "h").Message, StringComparison.Ordinal);
        Assert.True(snapshot.Counts[0].Reconciles);
    }

    [Fact]
    public async Task Extract_TenMegabyteValue_RejectedOverTheLimitStagedExactlyUnderARaisedOne()
    {
        var db = await RedisServer.DatabaseAsync();
        var big = string.Concat(Enumerable.Repeat("0123456789abcdef", 10 * 1024 * 1024 / 16));
        await db.StringSetAsync(_prefix + "big", big);

        var limited = await ExtractAsync();
        var raised = await ExtractAsync(new JsonObject { ["maxContentBytes"] = 16 << 20 });

        Assert.Equal(RejectCodes.TextTooLarge, Assert.Single(limited.Rejects).Code);
        var record = Assert.Single(raised.Records);
        Assert.Equal(big.Length, record.Content.Length);
        Assert.Equal(ContentHash.Of(big), record.ContentHash);
    }

    [Fact]
    public async Task Extract_StreamOfHundredThousandEntries_EachEntryOnceWithItsTime()
    {
        var db = await RedisServer.DatabaseAsync();
        const int Count = 100_000;
        foreach (var chunk in Enumerable.Range(1, Count).Chunk(5000))
        {
            await Task.WhenAll(chunk.Select(i => db.StreamAddAsync(_prefix + "events", "n", i.ToString(CultureInfo.InvariantCulture), $"{1_700_000_000_000L + i}-0")));
        }

        var snapshot = await ExtractAsync(partSize: 10_000);

        Assert.Equal(Count, snapshot.Records.Count);
        Assert.Equal(Count, snapshot.Records.Select(r => r.MemoryId).Distinct().Count());
        Assert.Equal((long)Count, snapshot.Counts[0].SourceRows);
        var last = snapshot.Records[^1];
        Assert.Equal(($"events/{1_700_000_000_000L + Count}-0", "n: 100000"), (last.SourceKey, last.Content));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000L + Count), last.Timestamp);
    }

    [Fact]
    public async Task Extract_KeysDeletedBetweenScanAndRead_RejectedAsVanishedAndCounted()
    {
        var db = await RedisServer.DatabaseAsync();
        await db.StringSetAsync(Enumerable.Range(1, 300).Select(i => new KeyValuePair<RedisKey, RedisValue>($"{_prefix}{i:D3}", $"value {i}")).ToArray());
        var deleted = new List<string>();

        var snapshot = await ExtractAsync(hook: source => source.AfterScan = async keys =>
        {
            // Deletes one key of every reply after SCAN listed it, as an expiry or another client would.
            if (keys.Count > 0)
            {
                deleted.Add(((string)keys[0]!)[_prefix.Length..]);
                await db.KeyDeleteAsync(keys[0]);
            }
        });

        Assert.NotEmpty(deleted);
        Assert.Equal(deleted.Order(), snapshot.Rejects.Select(r => r.SourceKey!).Order());
        Assert.All(snapshot.Rejects, r => Assert.Equal(RejectCodes.Vanished, r.Code));
        Assert.Contains("expired or been deleted", snapshot.Rejects[0].Message, StringComparison.Ordinal);
        Assert.Equal((300L, 300L - deleted.Count, (long)deleted.Count), (snapshot.Counts[0].SourceRows, snapshot.Counts[0].Staged, snapshot.Counts[0].Rejected));
    }

    [Fact]
    public async Task Extract_KeyTypeChangedBetweenTypeAndValue_ReadAsItsNewType()
    {
        var db = await RedisServer.DatabaseAsync();
        await db.StringSetAsync(_prefix + "shifty", "was a string");
        var changed = false;

        var snapshot = await ExtractAsync(hook: source => source.BetweenRounds = async () =>
        {
            if (!changed)
            {
                changed = true;
                await db.KeyDeleteAsync(_prefix + "shifty");
                await db.ListRightPushAsync(_prefix + "shifty", ["now", "a list"]);
            }
        });

        var record = Assert.Single(snapshot.Records);
        Assert.Equal("now\na list", record.Content);
        Assert.Equal("list", JsonDocument.Parse(record.MetadataJson).RootElement.GetProperty("@type").GetString());
    }

    [Fact]
    public async Task ReadAsync_KeysAlreadyReadBeforeAResume_AreNotReadAgain()
    {
        var db = await RedisServer.DatabaseAsync();
        await db.StringSetAsync(Enumerable.Range(1, 50).Select(i => new KeyValuePair<RedisKey, RedisValue>($"{_prefix}{i}", $"v{i}")).ToArray());
        var config = JobConfigLoader.Parse($$"""
            { "migrationId": "mig", "sources": [ { "name": "c", "kind": "redis", "host": "{{RedisServer.Host}}", "port": {{RedisServer.Port}},
              "patterns": [ { "match": "{{_prefix}}*", "collection": "k", "id": "capture" } ] } ] }
            """, _temp.File("job.json"));
        await using var source = new RedisSourceFactory().Create(config.Sources[0], config.Extract, null);
        var already = new MemoryIdSet();
        foreach (var i in Enumerable.Range(1, 20))
        {
            already.Add(MemoryIdentity.ForRecord("redis", "c", "k", $"{i}"));
        }

        // What SCAN repeats after a resume (a rehash) is in the ids the stage hands back; here all of a fresh scan is "after".
        ((IRepeatingSource)source).AlreadyRead("k", already);
        var keys = await source.ReadAsync("k", "0", Ct).Select(i => i.Record!.SourceKey).ToListAsync(Ct);

        Assert.Equal(Enumerable.Range(21, 30).Select(i => $"{i}").Order(), keys.Order());
    }

    [Fact]
    public async Task Extract_HashesWithWhereAndFieldText_OnlyMatchingKeysCount()
    {
        var db = await RedisServer.DatabaseAsync();
        foreach (var i in Enumerable.Range(1, 30))
        {
            await db.HashSetAsync($"{_prefix}user:{i}", [new HashEntry("name", $"user {i}"), new HashEntry("plan", i % 3 == 0 ? "pro" : "free")]);
        }

        var snapshot = await ExtractAsync(new JsonObject { ["text"] = "name", ["where"] = new JsonObject { ["plan"] = "pro" } }, match: _prefix + "user:*");

        Assert.Equal(Enumerable.Range(1, 30).Where(i => i % 3 == 0).Select(i => $"{i}").Order(), snapshot.Records.Select(r => r.SourceKey).Order());
        Assert.Equal(10, snapshot.Counts[0].SourceRows);
        Assert.All(snapshot.Records, r => Assert.DoesNotContain("@value", r.MetadataJson, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "match": "a:*:b:*", "id": "capture" }""", "exactly one '*'")]
    [InlineData("""{ "match": "a:*", "id": "name" }""", "expected \"key\" or \"capture\"")]
    [InlineData("""{ "match": "a:*", "watermark": "ts" }""", "not supported for Redis sources")]
    public void Create_BadPattern_SaysWhatIsWrong(string pattern, string expected)
    {
        var config = JobConfigLoader.Parse($$"""{ "migrationId": "mig", "sources": [ { "name": "c", "kind": "redis", "patterns": [ {{pattern}} ] } ] }""", _temp.File("job.json"));

        var error = Assert.Throws<ConfigException>(() => new RedisSourceFactory().Create(config.Sources[0], config.Extract, null));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private Task<Conformance.ConformanceSnapshot> ExtractAsync(JsonObject? pattern = null, Action<RedisSource>? hook = null, int partSize = 50_000, string? match = null)
        => RedisRun.ExtractAsync(Path.Combine(_temp.Path, $"run-{++_runs}"), match ?? _prefix + "*", pattern, hook, partSize);
}
