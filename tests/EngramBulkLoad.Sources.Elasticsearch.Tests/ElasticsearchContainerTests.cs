using System.Net.Http.Headers;
using System.Text;
using DotNet.Testcontainers.Builders;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

/// <summary>
/// The same source against the official elasticsearch image (security off, single node), where a Docker
/// engine exists. Machines without Docker (these build machines) skip it with that reason.
/// </summary>
public sealed class ElasticsearchContainerTests
{
    [Theory]
    [InlineData("docker.elastic.co/elasticsearch/elasticsearch:9.1.0", 9)]
    [InlineData("docker.elastic.co/elasticsearch/elasticsearch:8.19.0", 8)]
    public async Task Read_OfficialImage_ReadsEveryDocumentThroughAPointInTime(string image, int apiCompatibility)
    {
        var ct = TestContext.Current.CancellationToken;
        var hasDocker = File.Exists("/var/run/docker.sock") || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"));
        Assert.SkipUnless(hasDocker, "No Docker engine here (no /var/run/docker.sock, no DOCKER_HOST); the Testcontainers test runs where Docker exists.");

        await using var container = new ContainerBuilder(image)
            .WithEnvironment("discovery.type", "single-node")
            .WithEnvironment("xpack.security.enabled", "false")
            .WithEnvironment("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
            .WithPortBinding(9200, true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9200).ForPath("/_cluster/health?wait_for_status=yellow")))
            .Build();
        await container.StartAsync(ct).WaitAsync(TimeSpan.FromMinutes(5), ct);
        var address = new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(9200)}");
        using (var http = new HttpClient { BaseAddress = address })
        {
            var bulk = new StringBuilder();
            for (var i = 1; i <= 120; i++)
            {
                bulk.Append($$"""{ "index": { "_index": "articles", "_id": "{{i}}" } }""").Append('\n');
                bulk.Append($$"""{ "n": {{i}}, "body": "Body {{i}}", "author": { "name": "A{{i % 3}}" } }""").Append('\n');
            }

            using var content = new StringContent(bulk.ToString(), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var response = await http.PostAsync(new Uri("/_bulk?refresh=true", UriKind.Relative), content, ct);
            response.EnsureSuccessStatusCode();
        }

        var indexes = """[ { "index": "articles", "text": "body", "sortField": "n", "slices": 2, "sliceField": "n" } ]""";
        var job = $$"""{ "migrationId": "tc", "sources": [ { "name": "es", "kind": "elasticsearch", "nodes": "{{address}}", "apiCompatibility": {{apiCompatibility}}, "pageSize": 25, "indexes": {{indexes}} } ] }""";
        var config = Configuration.JobConfigLoader.Parse(job, "/tmp/tc.json");
        await using var source = new ElasticsearchSourceFactory().Create(config.Sources[0], config.Extract, null);

        await source.CheckAsync(ct);
        var items = await source.ReadAsync("articles", null, ct).ToListAsync(ct);

        Assert.Equal(120, items.Select(i => i.Record!.SourceKey).Distinct().Count());
        Assert.Equal(120, await source.EstimateCountAsync("articles", ct));
    }
}
