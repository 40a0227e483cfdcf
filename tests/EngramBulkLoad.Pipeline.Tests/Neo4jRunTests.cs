using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Neo4j.TestServer;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>The whole job from the in-repo Neo4j Query API server into the Engram test server.</summary>
public sealed class Neo4jRunTests : IDisposable
{
    private const int People = 200;
    private const int Cities = 20;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ebl-pipeline-neo4j", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Run_Neo4jIntoEngram_EveryRelationshipOneAssociationOrOneRejectWithReason()
    {
        var (graph, relationships) = Town();
        await using var neo4j = await Neo4jTestServer.StartAsync(new Neo4jTestServerOptions { Password = "town-secret" }, graph, Ct);
        await using var engram = await StartServerAsync();
        Directory.CreateDirectory(_folder);
        var config = Path.Combine(_folder, "job.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "migrationId": "neo4j-run",
              "snapshot": "snapshot",
              "extract": { "partSize": 60 },
              "sources": [
                { "name": "town", "kind": "neo4j", "url": "{{neo4j.Url}}", "password": "town-secret", "pageSize": 50,
                  "nodes": [
                    { "label": "Person", "key": "id", "text": ["name", "bio"] },
                    { "label": "City", "key": "code", "text": "name" }
                  ],
                  "relationships": { "weight": "weight" } }
              ],
              "engram": { "associationTypes": { "LIVES_IN": "spatial" } }
            }
            """, Ct);

        var (exit, output, error) = await CliAsync("run", "-c", config, "--engram", engram.Address, "--memory-space", Space);

        Assert.True(exit == 0, error + output);
        var expected = Enumerable.Range(1, People).Where(i => i % 40 != 0).Select(i => MemoryIdentity.ForRecord("neo4j", "town", "Person", $"{i}"))
            .Concat(Enumerable.Range(0, Cities).Select(i => MemoryIdentity.ForRecord("neo4j", "town", "City", $"C{i}")))
            .ToHashSet();
        Assert.Equal(expected, Held(engram));

        var snapshot = Path.Combine(_folder, "snapshot");
        var manifest = await RunTests.ReadManifestAsync(snapshot);
        var edgeRejects = await EdgeRejectsAsync(snapshot, manifest);
        var associations = engram.Store.AssociateCalls.Where(a => a.Space == Space).ToList();
        Assert.Equal(relationships, associations.Count + edgeRejects.Count);
        Assert.Equal(403, relationships);
        Assert.Equal(388, associations.Count);
        Assert.Equal(15, edgeRejects.Count);
        Assert.All(edgeRejects, r => Assert.Equal(RejectCodes.MissingEndpoint, r.Code));
        Assert.Contains(edgeRejects, r => r.Message.Contains(":Company (in no extracted collection)", StringComparison.Ordinal));
        Assert.Equal(relationships, manifest.Parts.Where(p => p.Collection == "relationships").Sum(p => p.Counts.SourceRows));
        Assert.Equal(relationships - 15, manifest.Parts.Sum(p => p.Counts.Associations ?? 0));

        var livesIn = associations.Where(a => a.Reason.StartsWith("LIVES_IN:", StringComparison.Ordinal)).ToList();
        Assert.Equal(People - 5, livesIn.Count);
        Assert.All(livesIn, a => Assert.Equal((AssociationType.Spatial, 0.7f), (a.Type, a.Strength)));
        var knows = associations.Where(a => a.Reason.StartsWith("KNOWS:", StringComparison.Ordinal)).ToList();
        Assert.All(knows, a => Assert.Equal((AssociationType.Semantic, 0.5f), (a.Type, a.Strength)));
        Assert.Contains(knows, a => a.Source == a.Target);
        Assert.Contains(associations, a => a.Reason.StartsWith("WORKS_WITH:", StringComparison.Ordinal) && a.Reason.Contains("properties {\"since\":2021}", StringComparison.Ordinal));
        Assert.Equal(1f, associations.Single(a => a.Reason.StartsWith("MENTORS:", StringComparison.Ordinal)).Strength);
    }

    /// <summary>
    /// 200 people (every 40th with no name or bio: rejected), 20 cities, and a company no collection reads. Each person
    /// lives in a city (weight 0.7), knows the next one, person 1 knows itself, 2 works with 3 and mentors 3 (weight 4,
    /// clamped to 1), 10 works at the company.
    /// </summary>
    private static (Graph Graph, int Relationships) Town()
    {
        var graph = new Graph();
        var cities = Enumerable.Range(0, Cities).Select(i => graph.AddNode("City", new Dictionary<string, object?> { ["code"] = $"C{i}", ["name"] = $"City {i}" })).ToList();
        var people = new List<GraphNode>();
        for (var i = 1; i <= People; i++)
        {
            people.Add(graph.AddNode("Person", i % 40 == 0
                ? new Dictionary<string, object?> { ["id"] = (long)i }
                : new Dictionary<string, object?> { ["id"] = (long)i, ["name"] = $"Person {i}", ["bio"] = $"Lives in city {i % Cities}." }));
        }

        var company = graph.AddNode("Company", new Dictionary<string, object?> { ["name"] = "Acme" });
        foreach (var person in people)
        {
            graph.AddRelationship(person, "LIVES_IN", cities[(int)(long)person.Properties["id"]! % Cities], new Dictionary<string, object?> { ["weight"] = 0.7 });
        }

        for (var i = 0; i < People - 1; i++)
        {
            graph.AddRelationship(people[i], "KNOWS", people[i + 1]);
        }

        graph.AddRelationship(people[0], "KNOWS", people[0]);
        graph.AddRelationship(people[1], "WORKS_WITH", people[2], new Dictionary<string, object?> { ["since"] = 2021L });
        graph.AddRelationship(people[1], "MENTORS", people[2], new Dictionary<string, object?> { ["weight"] = 4L });
        graph.AddRelationship(people[9], "WORKS_AT", company);
        return (graph, graph.Relationships.Count);
    }

    private static async Task<List<RejectRecord>> EdgeRejectsAsync(string folder, SnapshotManifest manifest)
    {
        var rejects = new List<RejectRecord>();
        foreach (var file in manifest.Parts.Select(part => part.Files.LoadRejects).OfType<PartFile>())
        {
            await using var reader = await PartFileReader<RejectRecord>.OpenAsync(PartCodecs.Rejects, Path.Combine(folder, file.Path), manifest.MigrationId, Ct);
            await foreach (var reject in reader.ReadAllAsync(Ct))
            {
                if (reject.MemoryId?.StartsWith(MemoryIdentity.EdgePrefix, StringComparison.Ordinal) == true)
                {
                    rejects.Add(reject);
                }
            }
        }

        return rejects;
    }
}
