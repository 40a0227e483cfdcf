using EngramBulkLoad.Neo4j.TestServer;
using static EngramBulkLoad.Sources.Neo4j.Tests.Neo4jTestSupport;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>The source inside the extract stage: counts reconcile, a killed extract resumes without loss, backfills read what changed.</summary>
public sealed class SnapshotRunTests
{
    private const string Articles = """[ { "label": "Article", "key": "id", "text": "body", "timestamp": "updated", "watermark": "updated" } ]""";

    [Fact]
    public async Task Extract_InterruptedThenResumed_EveryNodeAndRelationshipOnce()
    {
        var graph = SampleGraph.Create(600, 900);
        await using var server = await StartAsync(graph);
        using var folder = new TempFolder();
        var section = Section(server, """[ { "label": "Article", "key": "id", "text": "body" }, { "label": "Person", "key": "id", "text": "bio" } ]""", pageSize: 64);

        await Assert.ThrowsAnyAsync<Exception>(() => ExtractAsync(folder.Path, section, partSize: 100, failAfter: 250));
        var snapshot = await ExtractAsync(folder.Path, section, partSize: 100);

        Assert.Equal(600, snapshot.Records.Count);
        Assert.Equal(600, snapshot.Records.Select(r => r.Record.MemoryId).Distinct().Count());
        Assert.Equal(900, snapshot.Edges.Count);
        Assert.Equal(1500, snapshot.Manifest.Parts.Sum(p => p.Counts.SourceRows));
        Assert.All(snapshot.Manifest.Collections, c => Assert.True(c.Completed));
    }

    [Fact]
    public async Task Backfill_ByWatermark_ReadsOnlyNodesChangedSinceTheLastExtract()
    {
        var graph = new Graph();
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var nodes = Enumerable.Range(0, 20).Select(i => graph.AddNode("Article", Props(("id", i), ("body", $"v1 {i}"), ("updated", start.AddMinutes(i))))).ToList();
        await using var server = await StartAsync(graph);
        using var folder = new TempFolder();
        var section = Section(server, Articles, relationships: """{ "read": false }""", pageSize: 7);
        var first = await ExtractAsync(folder.Path, section);

        foreach (var i in new[] { 3, 11 })
        {
            nodes[i].Properties["body"] = $"v2 {i}";
            nodes[i].Properties["updated"] = CypherValues.Normalize(start.AddDays(1).AddMinutes(i));
        }

        var second = await ExtractAsync(folder.Path, section, backfill: true);

        Assert.Equal(20, first.Records.Count);
        Assert.Equal("OffsetDateTime:2025-01-01T00:19:00Z", first.Manifest.Collections.Single().Watermark);
        var changed = second.Records.Where(r => r.Part.Generation == 1).Select(r => r.Record).ToList();
        Assert.Equal(["v2 3", "v2 11"], changed.Select(r => r.Content));
        Assert.Equal("OffsetDateTime:2025-01-02T00:11:00Z", second.Manifest.Collections.Single().Watermark);
    }
}
