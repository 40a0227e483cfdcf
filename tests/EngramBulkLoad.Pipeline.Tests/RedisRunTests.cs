using EngramBulkLoad.Identity;
using EngramBulkLoad.Sources.Redis.Tests;
using StackExchange.Redis;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>The whole job from the real redis-server (EBL_TEST_REDIS, started by test.sh) into the Engram test server.</summary>
public sealed class RedisRunTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ebl-pipeline-redis", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Run_RedisIntoEngram_ExactCountsAndEpisodesDecayingByTtl()
    {
        var prefix = RedisServer.NewPrefix();
        var db = await RedisServer.DatabaseAsync();
        // 1,200 cache entries, every other one with a two-hour TTL; 30 stream entries; 5 binary values (rejects).
        await db.StringSetAsync(Enumerable.Range(1, 1200).Select(i => new KeyValuePair<RedisKey, RedisValue>($"{prefix}s:{i}", $"cached answer {i}")).ToArray());
        await Task.WhenAll(Enumerable.Range(1, 1200).Where(i => i % 2 == 0).Select(i => db.KeyExpireAsync($"{prefix}s:{i}", TimeSpan.FromHours(2))));
        await Task.WhenAll(Enumerable.Range(1, 30).Select(i => db.StreamAddAsync($"{prefix}e:log", "msg", $"event {i}", $"{1_700_000_000_000L + i}-0")));
        await Task.WhenAll(Enumerable.Range(1, 5).Select(i => db.StringSetAsync($"{prefix}s:bin{i}", new byte[] { 0xFF, 0xFE, (byte)i })));
        Directory.CreateDirectory(_folder);
        var config = Path.Combine(_folder, "job.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "migrationId": "redis-run",
              "snapshot": "snapshot",
              "extract": { "partSize": 400 },
              "sources": [
                { "name": "cache", "kind": "redis", "host": "{{RedisServer.Host}}", "port": {{RedisServer.Port}}, "scanCount": 200,
                  "patterns": [
                    { "match": "{{prefix}}s:*", "collection": "answers", "id": "capture" },
                    { "match": "{{prefix}}e:*", "collection": "events", "id": "capture" }
                  ] }
              ],
              "engram": { "shardPollInterval": "00:00:00.200" }
            }
            """, Ct);
        await using var server = await StartServerAsync();

        var (exit, output, error) = await CliAsync("run", "-c", config, "--engram", server.Address, "--memory-space", Space);

        Assert.True(exit == 0, error + output);
        HashSet<string> expected =
        [
            .. Enumerable.Range(1, 1200).Select(i => MemoryIdentity.ForRecord("redis", "cache", "answers", $"{i}")),
            .. Enumerable.Range(1, 30).Select(i => MemoryIdentity.ForRecord("redis", "cache", "events", $"log/{1_700_000_000_000L + i}-0")),
        ];
        Assert.Equal(expected, Held(server));
        var manifest = await RunTests.ReadManifestAsync(Path.Combine(_folder, "snapshot"));
        Assert.Equal(1235, manifest.Parts.Sum(p => p.Counts.SourceRows));
        Assert.Equal(5, manifest.Parts.Sum(p => p.Counts.ExtractRejected));
        Assert.Equal(1230, manifest.Parts.Sum(p => p.Counts.Loaded ?? 0));
        var withTtl = server.Store.Find(Space, MemoryIdentity.ForRecord("redis", "cache", "answers", "2"))!;
        var without = server.Store.Find(Space, MemoryIdentity.ForRecord("redis", "cache", "answers", "1"))!;
        Assert.True(withTtl.IsEpisode);
        // Engram keeps no decay rate (its store fixes one), so the rate is read from what the job sent.
        Assert.Equal((float)(Math.Log(2) / 2), server.Store.LastRequest(withTtl.Id)!.Episode.DecayRate, 2);
        Assert.Equal(0.05f, server.Store.LastRequest(without.Id)!.Episode.DecayRate);
        Assert.Equal(0.7f, withTtl.Confidence);
        var entry = server.Store.Find(Space, MemoryIdentity.ForRecord("redis", "cache", "events", $"log/{1_700_000_000_001L}-0"))!;
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_001L), entry.When);
    }
}
