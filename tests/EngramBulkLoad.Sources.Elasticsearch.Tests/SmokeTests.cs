using EngramBulkLoad.Elasticsearch.TestServer;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Read_SmallIndex_ReturnsEveryDocument()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: EsFixture.Ct);
        EsFixture.Seed(server, "articles", 25);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": ["title", "body"] } ]""", "\"pageSize\": 10");
        await source.CheckAsync(EsFixture.Ct);
        var items = await EsFixture.ReadAllAsync(source, "articles");
        Assert.Equal(25, items.Count(i => i.Record is not null));
    }
}
