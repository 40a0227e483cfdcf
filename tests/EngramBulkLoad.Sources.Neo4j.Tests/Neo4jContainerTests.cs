using DotNet.Testcontainers.Builders;
using static EngramBulkLoad.Sources.Neo4j.Tests.Neo4jTestSupport;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>
/// The same source against the official neo4j image, where a Docker engine exists; machines without Docker (these
/// build machines) skip it with that reason. It seeds the graph with Cypher through the Query API itself.
/// </summary>
public sealed class Neo4jContainerTests
{
    [Fact]
    public async Task Extract_OfficialImage_NodesPropertyTypesAndRelationships()
    {
        var hasDocker = File.Exists("/var/run/docker.sock") || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"));
        Assert.SkipUnless(hasDocker, "No Docker engine here (no /var/run/docker.sock, no DOCKER_HOST); the Testcontainers test against the neo4j image runs where Docker exists.");

        await using var container = new ContainerBuilder("neo4j:5.26")
            .WithEnvironment("NEO4J_AUTH", $"neo4j/{Password}")
            .WithPortBinding(7474, true)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(7474).ForPath("/")))
            .Build();
        await container.StartAsync(Ct).WaitAsync(TimeSpan.FromMinutes(5), Ct);
        var url = new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(7474)}/");
        using (var client = new QueryApi.QueryApiClient(url, "neo4j", "neo4j", Password, null))
        {
            await client.ScalarAsync(
                "CREATE (a:Person {id: 1, name: 'Ada', born: date('1815-12-10'), at: datetime('2025-01-02T03:04:05.123456789Z'), loc: point({longitude: 12.5, latitude: 55.7}), tags: ['x', 'y']})"
                + "-[:KNOWS {weight: 0.9, since: 2020}]->(b:Person {id: 2, name: 'Bob'}), (b)-[:KNOWS]->(b) RETURN 1",
                new Dictionary<string, object?>(), Ct);
        }

        var section = new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = "graph", ["kind"] = "neo4j", ["url"] = url.ToString(), ["password"] = Password, ["pageSize"] = 1,
            ["nodes"] = System.Text.Json.Nodes.JsonNode.Parse("""[ { "label": "Person", "key": "id", "text": "name", "timestamp": "at" } ]"""),
        };
        await using var source = Create(section);
        await source.CheckAsync(Ct);
        var people = await ReadAsync(source, "Person");
        var edges = (await ReadAsync(source, "relationships")).SelectMany(i => i.Edges).ToList();

        Assert.Equal(["Ada", "Bob"], people.Select(p => p.Record!.Content));
        Assert.Contains("\"born\":\"1815-12-10\"", people[0].Record!.MetadataJson, StringComparison.Ordinal);
        Assert.Contains("SRID=4326;POINT (12.5 55.7)", people[0].Record!.MetadataJson, StringComparison.Ordinal);
        Assert.Equal(2, edges.Count);
        Assert.Equal(0.9, edges.Single(e => e.FromMemoryId != e.ToMemoryId).Weight);
    }
}
