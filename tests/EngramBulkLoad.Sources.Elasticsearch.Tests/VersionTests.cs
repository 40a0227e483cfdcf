using EngramBulkLoad.Elasticsearch.TestServer;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

/// <summary>The 9.x client against servers that answer as Elasticsearch 9 and as Elasticsearch 8.</summary>
public sealed class VersionTests
{
    [Fact]
    public async Task Check_Elasticsearch8WithoutApiCompatibility_SaysToSetIt()
    {
        await using var server = await EsTestServer.StartAsync(new EsTestServerOptions { MajorVersion = 8 }, cancellationToken: EsFixture.Ct);
        EsFixture.Seed(server, "articles", 5);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": ["title", "body"] } ]""");

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(EsFixture.Ct));

        Assert.Contains("media_type_header_exception", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"apiCompatibility\": 8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 8)]
    [InlineData(9, 9)]
    [InlineData(9, 8)]
    public async Task Read_ServerVersionWithMatchingCompatibility_ReadsEveryDocument(int serverVersion, int declared)
    {
        await using var server = await EsTestServer.StartAsync(new EsTestServerOptions { MajorVersion = serverVersion }, cancellationToken: EsFixture.Ct);
        EsFixture.Seed(server, "articles", 12);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": ["title", "body"] } ]""", $"\"apiCompatibility\": {declared}, \"pageSize\": 5");

        await source.CheckAsync(EsFixture.Ct);
        var items = await EsFixture.ReadAllAsync(source, "articles");

        Assert.Equal(Enumerable.Range(1, 12).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), items.Select(i => i.Record!.SourceKey).Order());
    }
}
