using System.Globalization;
using System.Text;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Conformance;

namespace EngramBulkLoad.Sources.Redis.Tests;

/// <summary>
/// The sample corpus as the compose stack seeds Redis (samples/seed/redis/seed.resp, what redis-cli --pipe sends),
/// extracted with samples/sources/redis.json: the cache entries with their texts and TTLs, and the articles with
/// the files corpus's texts and times.
/// </summary>
public sealed class RedisSampleCorpusTests : IDisposable
{
    /// <summary>A database of its own: the corpus's keys are fixed names (session:*, kb:article:*), not a per-test prefix.</summary>
    private const int Database = 5;

    private readonly TempFolder _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_SeededSampleCorpus_GivesTheCacheEntriesAndTheFilesCorpusArticles()
    {
        var corpus = SampleCorpus.Instance;
        var db = await RedisServer.DatabaseAsync(Database);
        var commands = ReadCommands(Path.Combine(corpus.Seed("redis"), "seed.resp"));
        // Sent in order on one connection, as redis-cli --pipe does; the seed deletes each key before writing it.
        await Task.WhenAll(commands.Select(c => db.ExecuteAsync(c[0], c[1..])));
        var section = corpus.SourceSection("redis.json");
        section["host"] = RedisServer.Host;
        section["port"] = RedisServer.Port;
        section["database"] = Database;
        section.Remove("password");

        var snapshot = await ConformanceRun.ExtractAsync(new RedisSourceFactory(), section, _temp.Path, cancellationToken: Ct);

        Assert.Empty(snapshot.Rejects);
        corpus.AssertSameRecords(snapshot, "articles");
        Assert.All(snapshot.Records.Where(r => r.Collection == "articles"), r => Assert.Equal(MemoryKind.Semantic, r.Kind));
        var cache = snapshot.Records.Where(r => r.Collection != "articles").ToDictionary(r => r.SourceKey);
        Assert.Equal(corpus.CacheEntries.Count, cache.Count);
        foreach (var entry in corpus.CacheEntries)
        {
            var record = cache[entry.Key];
            Assert.Equal(entry.Content, record.Content);
            Assert.Equal(MemoryKind.Episodic, record.Kind);
            if (entry.TtlSeconds is { } ttl)
            {
                Assert.InRange(record.TtlSeconds!.Value, ttl - 120, ttl);
            }
            else
            {
                Assert.Null(record.TtlSeconds);
            }
        }
    }

    /// <summary>The commands of a RESP file: each an array of bulk strings (https://redis.io/docs/latest/develop/reference/protocol-spec/).</summary>
    private static List<string[]> ReadCommands(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var commands = new List<string[]>();
        var at = 0;
        while (at < bytes.Length)
        {
            var count = int.Parse(Header(bytes, ref at, '*'), CultureInfo.InvariantCulture);
            var command = new string[count];
            for (var i = 0; i < count; i++)
            {
                var length = int.Parse(Header(bytes, ref at, '$'), CultureInfo.InvariantCulture);
                command[i] = Encoding.UTF8.GetString(bytes, at, length);
                Assert.Equal("\r\n"u8.ToArray(), bytes[(at + length)..(at + length + 2)]);
                at += length + 2;
            }

            commands.Add(command);
        }

        return commands;
    }

    private static string Header(byte[] bytes, ref int at, char marker)
    {
        Assert.Equal((byte)marker, bytes[at]);
        var end = Array.IndexOf(bytes, (byte)'\r', at);
        var text = Encoding.ASCII.GetString(bytes, at + 1, end - at - 1);
        at = end + 2;
        return text;
    }
}
