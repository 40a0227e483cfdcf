using EngramBulkLoad.Configuration;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Neo4j.TestServer;
using EngramBulkLoad.Records;
using static EngramBulkLoad.Sources.Neo4j.Tests.Neo4jTestSupport;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>Relationships become edges between the memory ids the node collections give their ends.</summary>
public sealed class RelationshipExtractionTests
{
    private const string People = """[ { "label": "Person", "key": "id", "text": "name" }, { "label": "City", "key": "code", "text": "name" } ]""";

    [Fact]
    public async Task Read_RelationshipsBetweenCollections_EdgesWithMappedEndsTypeWeightAndProperties()
    {
        var graph = new Graph();
        var ada = graph.AddNode("Person", Props(("id", 1), ("name", "Ada")));
        var oslo = graph.AddNode("City", Props(("code", "OSL"), ("name", "Oslo")));
        graph.AddRelationship(ada, "LIVES_IN", oslo, Props(("weight", 0.8), ("since", 2020)));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, People));

        var edge = Assert.Single(await ReadAsync(source, "relationships")).Edges.Single();

        Assert.Equal(MemoryIdentity.ForRecord("neo4j", "graph", "Person", "1"), edge.FromMemoryId);
        Assert.Equal(MemoryIdentity.ForRecord("neo4j", "graph", "City", "OSL"), edge.ToMemoryId);
        Assert.Equal("LIVES_IN", edge.Relation);
        Assert.Equal(0.8, edge.Weight);
        Assert.Equal("Person key 1", edge.FromDescription);
        Assert.Equal("City key OSL; properties {\"since\":2020}", edge.ToDescription);
    }

    [Fact]
    public async Task Read_SelfLoopAndParallelRelationshipsOfDifferentTypes_OneEdgeEach()
    {
        var graph = new Graph();
        var a = graph.AddNode("Person", Props(("id", 1), ("name", "A")));
        var b = graph.AddNode("Person", Props(("id", 2), ("name", "B")));
        graph.AddRelationship(a, "KNOWS", a);
        graph.AddRelationship(a, "KNOWS", b);
        graph.AddRelationship(a, "WORKS_WITH", b);
        graph.AddRelationship(a, "MENTORS", b, Props(("weight", 3)));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, People));

        var edges = (await ReadAsync(source, "relationships")).SelectMany(i => i.Edges).ToList();

        Assert.Equal(4, edges.Count);
        var self = Assert.Single(edges, e => e.FromMemoryId == e.ToMemoryId);
        Assert.Equal("KNOWS", self.Relation);
        Assert.Equal(["KNOWS", "MENTORS", "WORKS_WITH"], edges.Where(e => e.FromMemoryId != e.ToMemoryId).Select(e => e.Relation).Order(StringComparer.Ordinal));
        Assert.Equal(4, edges.Select(e => e.EdgeId).Distinct().Count());
        Assert.Equal(3.0, edges.Single(e => e.Relation == "MENTORS").Weight);
        Assert.Null(edges.Single(e => e.Relation == "WORKS_WITH").Weight);
    }

    [Fact]
    public async Task Read_RelationshipToUnselectedNode_EdgeWhoseEndNoCollectionGives()
    {
        var graph = new Graph();
        var a = graph.AddNode("Person", Props(("id", 1), ("name", "A")));
        var company = graph.AddNode("Company", Props(("id", 9), ("name", "Acme")));
        var keyless = graph.AddNode("Person", Props(("name", "no id")));
        graph.AddRelationship(a, "WORKS_AT", company);
        graph.AddRelationship(keyless, "KNOWS", a);
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, People));

        var edges = (await ReadAsync(source, "relationships")).SelectMany(i => i.Edges).ToList();
        var records = (await ReadAsync(source, "Person")).Where(i => i.Record is not null).Select(i => i.Record!.MemoryId).ToHashSet();

        var toCompany = edges.Single(e => e.Relation == "WORKS_AT");
        Assert.Contains(toCompany.FromMemoryId, records);
        Assert.DoesNotContain(toCompany.ToMemoryId, records);
        Assert.Contains($"node {company.ElementId} :Company (in no extracted collection)", toCompany.ToDescription, StringComparison.Ordinal);
        var fromKeyless = edges.Single(e => e.Relation == "KNOWS");
        Assert.DoesNotContain(fromKeyless.FromMemoryId, records);
        Assert.Contains("without its key property 'id'", fromKeyless.FromDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_TypesFilter_OnlyThoseTypesAsAParameter()
    {
        var graph = new Graph();
        var a = graph.AddNode("Person", Props(("id", 1), ("name", "A")));
        var b = graph.AddNode("Person", Props(("id", 2), ("name", "B")));
        graph.AddRelationship(a, "KNOWS", b);
        graph.AddRelationship(a, "BLOCKS", b);
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, People, relationships: """{ "types": ["KNOWS"], "name": "links" }"""));

        var edges = (await ReadAsync(source, "links")).SelectMany(i => i.Edges).ToList();

        Assert.Equal("KNOWS", Assert.Single(edges).Relation);
        Assert.Contains(server.Received, q => q.Parameters.TryGetValue("types", out var types) && types is List<object?> list && list.SequenceEqual(["KNOWS"]));
        Assert.Equal(1, await source.EstimateCountAsync("links", Ct));
    }

    [Fact]
    public async Task Read_WeightThatIsNotANumber_RejectNamingTheRelationship()
    {
        var graph = new Graph();
        var a = graph.AddNode("Person", Props(("id", 1), ("name", "A")));
        var relationship = graph.AddRelationship(a, "RATES", a, Props(("weight", "high")));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, People));

        var reject = Assert.Single(await ReadAsync(source, "relationships")).Reject!;

        Assert.Equal(RejectCodes.Malformed, reject.Code);
        Assert.Contains(relationship.ElementId, reject.Message, StringComparison.Ordinal);
        Assert.Contains("\"high\"", reject.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_HubWith100kRelationships_EveryRelationshipOnceAcrossPages()
    {
        var graph = new Graph();
        var hub = graph.AddNode("Person", Props(("id", 0), ("name", "hub")));
        var spokes = Enumerable.Range(1, 1000).Select(i => graph.AddNode("Person", Props(("id", i), ("name", $"p{i}")))).ToList();
        for (var i = 0; i < 100_000; i++)
        {
            graph.AddRelationship(hub, i % 2 == 0 ? "FOLLOWS" : "LIKES", spokes[i % spokes.Count], Props(("weight", (i % 10) / 10.0)));
        }

        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, People, pageSize: 20_000));

        var edges = (await ReadAsync(source, "relationships")).SelectMany(i => i.Edges).ToList();

        Assert.Equal(100_000, edges.Count);
        Assert.All(edges, e => Assert.Equal(MemoryIdentity.ForRecord("neo4j", "graph", "Person", "0"), e.FromMemoryId));
        Assert.Equal(100_000, edges.Select(e => e.ToDescription).Count());
        Assert.Equal(1000, edges.Select(e => e.ToMemoryId).Distinct().Count());
        // Five full pages, then the empty one that ends the read.
        Assert.Equal(6, server.Received.Count(q => q.Statement.Contains("-[r]->", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Read_Shards_EveryRelationshipInTheShardOfItsStartNode()
    {
        var graph = new Graph();
        var people = Enumerable.Range(0, 60).Select(i => graph.AddNode("Person", Props(("id", i), ("name", $"p{i}")))).ToList();
        for (var i = 0; i < 300; i++)
        {
            graph.AddRelationship(people[i % 60], "KNOWS", people[(i * 7) % 60]);
        }

        await using var server = await StartAsync(graph);
        var perShard = new List<List<SourceItem>>();
        for (var index = 0; index < 3; index++)
        {
            await using var source = Create(Section(server, People), new ShardSpec(index, 3));
            perShard.Add([.. await ReadAsync(source, "Person"), .. await ReadAsync(source, "relationships")]);
        }

        Assert.Equal(60, perShard.Sum(items => items.Count(i => i.Record is not null)));
        Assert.Equal(300, perShard.Sum(items => items.Sum(i => i.Edges.Count)));
        foreach (var items in perShard)
        {
            var mine = items.Where(i => i.Record is not null).Select(i => i.Record!.MemoryId).ToHashSet();
            Assert.All(items.SelectMany(i => i.Edges), e => Assert.Contains(e.FromMemoryId, mine));
        }
    }
}
