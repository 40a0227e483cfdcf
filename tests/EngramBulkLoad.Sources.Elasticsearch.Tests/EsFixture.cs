using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Elasticsearch.TestServer;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

/// <summary>Builds sources over a test server from a section's settings, and reads collections whole.</summary>
internal static class EsFixture
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A source "es" over the server with these index entries and extra source settings.</summary>
    public static IRecordSource Source(EsTestServer server, string indexes, string extra = "", ShardSpec? shard = null, bool backfill = false, int maxContentBytes = 1 << 20)
    {
        var section = JsonNode.Parse($$"""{ "name": "es", "kind": "elasticsearch", "nodes": ["{{server.Address}}"], "retryDelayMs": 1, "indexes": {{indexes}} {{(extra.Length > 0 ? "," + extra : string.Empty)}} }""")!;
        var job = $$"""{ "migrationId": "es-test", "extract": { "maxContentBytes": {{maxContentBytes}} }, "sources": [ {{section.ToJsonString()}} ] }""";
        var config = JobConfigLoader.Parse(job, "/tmp/es-test.json");
        return new ElasticsearchSourceFactory().Create(config.Sources[0], config.Extract with { Backfill = backfill }, shard);
    }

    public static async Task<List<SourceItem>> ReadAllAsync(IRecordSource source, string collection, string? cursor = null)
        => await source.ReadAsync(collection, cursor, Ct).ToListAsync(Ct).AsTask().WaitAsync(TimeSpan.FromMinutes(2), Ct);

    /// <summary>Indexes documents "1".."count" with a numeric id, a title, a body and a nested author.</summary>
    public static EsIndex Seed(EsTestServer server, string name, int count, Func<int, string>? body = null)
    {
        var index = server.Store.CreateIndex(name);
        for (var i = 1; i <= count; i++)
        {
            index.Index(i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                body?.Invoke(i) ?? $$"""{ "n": {{i}}, "title": "Title {{i}}", "body": "Body of document {{i}}", "author": { "name": "Author {{i % 7}}" }, "updated": "2024-01-{{1 + (i % 28):00}}T00:00:00Z" }""");
        }

        return index;
    }
}
