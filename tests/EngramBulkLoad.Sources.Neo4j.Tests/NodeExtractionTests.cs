using System.Text.Json;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Neo4j.TestServer;
using EngramBulkLoad.Records;
using static EngramBulkLoad.Sources.Neo4j.Tests.Neo4jTestSupport;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>Nodes become records (or rejects that say why), read in keyset pages over the Query API.</summary>
public sealed class NodeExtractionTests
{
    [Fact]
    public async Task Read_EveryPropertyType_StatedTextFormsInMetadata()
    {
        var graph = new Graph();
        graph.AddNode("Doc", Props(
            ("id", "d1"),
            ("body", "hello graph"),
            ("count", long.MaxValue),
            ("ratio", 0.1),
            ("big", 1e20),
            ("flag", true),
            ("bytes", new byte[] { 1, 2, 3 }),
            ("tags", new[] { "a", "b" }),
            ("numbers", new List<object?> { 1L, 2.5 }),
            ("day", new CypherTemporal("Date", "2025-03-26")),
            ("when", new CypherTemporal("OffsetDateTime", "2025-03-26T12:50:35.123456789+01:00")),
            ("zoned", new CypherTemporal("ZonedDateTime", "2015-11-21T21:40:32.142+01:00[Europe/Berlin]")),
            ("local", new CypherTemporal("LocalDateTime", "2015-07-21T21:40:32.142")),
            ("clock", new CypherTemporal("Time", "12:50:35.556+01:00")),
            ("localClock", new CypherTemporal("LocalTime", "12:50:35.556")),
            ("span", new CypherTemporal("Duration", "P14DT16H12M")),
            ("place", new CypherPoint(4326, 12.5, 55.75)),
            ("place3d", new CypherPoint(9157, 1.0, 2.0, 3.0))));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "Doc", "key": "id", "text": "body", "timestamp": "when" } ]"""));

        var record = Assert.Single(await ReadAsync(source, "Doc")).Record!;
        using var metadata = JsonDocument.Parse(record.MetadataJson);
        var m = metadata.RootElement;

        Assert.Equal("hello graph", record.Content);
        Assert.Equal("d1", record.SourceKey);
        Assert.Equal(MemoryIdentity.ForRecord("neo4j", "graph", "Doc", "d1"), record.MemoryId);
        Assert.Equal(new DateTimeOffset(2025, 3, 26, 11, 50, 35, TimeSpan.Zero).AddTicks(1234567), record.Timestamp);
        Assert.Equal(long.MaxValue, m.GetProperty("count").GetInt64());
        Assert.Equal(0.1, m.GetProperty("ratio").GetDouble());
        Assert.Equal(1e20, m.GetProperty("big").GetDouble());
        Assert.True(m.GetProperty("flag").GetBoolean());
        Assert.Equal("base64:AQID", m.GetProperty("bytes").GetString());
        Assert.Equal(["a", "b"], m.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(2.5, m.GetProperty("numbers")[1].GetDouble());
        Assert.Equal("2025-03-26", m.GetProperty("day").GetString());
        Assert.Equal("2015-11-21T21:40:32.142+01:00[Europe/Berlin]", m.GetProperty("zoned").GetString());
        Assert.Equal("2015-07-21T21:40:32.142", m.GetProperty("local").GetString());
        Assert.Equal("12:50:35.556+01:00", m.GetProperty("clock").GetString());
        Assert.Equal("12:50:35.556", m.GetProperty("localClock").GetString());
        Assert.Equal("P14DT16H12M", m.GetProperty("span").GetString());
        Assert.Equal("SRID=4326;POINT (12.5 55.75)", m.GetProperty("place").GetString());
        Assert.Equal("SRID=9157;POINT Z (1.0 2.0 3.0)", m.GetProperty("place3d").GetString());
        Assert.Equal(["Doc"], m.GetProperty("neo4j.labels").EnumerateArray().Select(t => t.GetString()));
        Assert.StartsWith("4:", m.GetProperty("neo4j.elementId").GetString(), StringComparison.Ordinal);
        Assert.False(m.TryGetProperty("body", out _));
    }

    [Fact]
    public async Task Read_NanosecondFractionInMetadata_KeptWhole()
    {
        var graph = new Graph();
        graph.AddNode("Doc", Props(("id", 1), ("body", "x"), ("at", new CypherTemporal("LocalDateTime", "2025-01-02T03:04:05.123456789"))));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "Doc", "key": "id", "text": "body" } ]"""));

        var record = Assert.Single(await ReadAsync(source, "Doc")).Record!;

        Assert.Contains("\"at\":\"2025-01-02T03:04:05.123456789\"", record.MetadataJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_SmallPages_EveryNodeOnceInKeyOrder_KeysAsParametersNeverSpliced()
    {
        var graph = new Graph();
        foreach (var i in Enumerable.Range(0, 95).Reverse())
        {
            graph.AddNode("Item", Props(("sku", 1000L + i), ("name", $"item {i}")));
        }

        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "Item", "key": "sku", "text": "name" } ]""", pageSize: 10));

        var items = await ReadAsync(source, "Item");

        Assert.Equal(Enumerable.Range(0, 95).Select(i => (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), items.Select(i => i.Record!.SourceKey));
        var pages = server.Received.Where(q => q.Statement.Contains("IS NOT NULL", StringComparison.Ordinal)).ToList();
        Assert.Equal(10, pages.Count);
        Assert.All(pages, page => Assert.DoesNotContain("10", page.Statement, StringComparison.Ordinal));
        Assert.Equal(1009L, pages[1].Parameters["after"]);
        Assert.Equal(10L, pages[1].Parameters["limit"]);
        Assert.All(pages, page => Assert.Equal("application/vnd.neo4j.query", page.ContentType));
    }

    [Fact]
    public async Task Read_ResumeFromCursorOfAnItem_ContinuesAfterIt()
    {
        var graph = new Graph();
        foreach (var name in new[] { "delta", "alpha", "echo", "charlie", "bravo" })
        {
            graph.AddNode("W", Props(("name", name)));
        }

        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "W", "key": "name", "text": "name" } ]""", pageSize: 2));
        var first = await ReadAsync(source, "W");

        var rest = await ReadAsync(source, "W", first[1].Position.Cursor);

        Assert.Equal(["alpha", "bravo", "charlie", "delta", "echo"], first.Select(i => i.Record!.SourceKey));
        Assert.Equal(["charlie", "delta", "echo"], rest.Select(i => i.Record!.SourceKey));
    }

    [Fact]
    public async Task Read_NodeWithSeveralConfiguredLabels_BelongsToTheFirstConfigured()
    {
        var graph = new Graph();
        graph.AddNode(["Person", "Employee"], Props(("id", 1), ("name", "Ada")));
        graph.AddNode(["Employee"], Props(("id", 2), ("name", "Bob")));
        graph.AddNode(["Person"], Props(("id", 3), ("name", "Cy")));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """
            [ { "label": "Employee", "key": "id", "text": "name" }, { "label": "Person", "key": "id", "text": "name" } ]
            """, relationships: """{ "read": false }"""));

        var employees = await ReadAsync(source, "Employee");
        var people = await ReadAsync(source, "Person");

        Assert.Equal(["1", "2"], employees.Select(i => i.Record!.SourceKey));
        Assert.Equal(["3"], people.Select(i => i.Record!.SourceKey));
        Assert.Equal(["Employee", "Person"], source.Collections);
        Assert.Equal(1, await source.EstimateCountAsync("Person", Ct));
    }

    [Fact]
    public async Task Read_NodesWithoutContentOrKey_RejectsWithKeyAndReason()
    {
        var graph = new Graph();
        graph.AddNode("Note", Props(("id", 1), ("text", "kept")));
        graph.AddNode("Note", Props(("id", 2)));
        graph.AddNode("Note", Props(("id", 3), ("text", "   ")));
        var keyless = graph.AddNode("Note", Props(("text", "no key")));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "Note", "key": "id", "text": "text" } ]"""));

        var items = await ReadAsync(source, "Note");

        Assert.Equal(4, items.Count);
        Assert.Equal("1", Assert.Single(items, i => i.Record is not null).Record!.SourceKey);
        var rejects = items.Where(i => i.Reject is not null).Select(i => i.Reject!).ToList();
        Assert.Equal(["2", "3", null], rejects.Select(r => r.SourceKey));
        Assert.All(rejects.Take(2), r => Assert.Equal(RejectCodes.EmptyText, r.Code));
        Assert.All(rejects.Take(2), r => Assert.Contains("'text'", r.Message, StringComparison.Ordinal));
        Assert.Equal(RejectCodes.MissingKey, rejects[2].Code);
        Assert.Contains("'id'", rejects[2].Message, StringComparison.Ordinal);
        Assert.Contains(keyless.ElementId, rejects[2].Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_DuplicateKeysAcrossPageBoundary_FirstKeptOthersRejected()
    {
        var graph = new Graph();
        graph.AddNode("D", Props(("k", 1), ("t", "one")));
        graph.AddNode("D", Props(("k", 2), ("t", "two")));
        graph.AddNode("D", Props(("k", 2), ("t", "two again")));
        graph.AddNode("D", Props(("k", 2), ("t", "two thrice")));
        graph.AddNode("D", Props(("k", 3), ("t", "three")));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "D", "key": "k", "text": "t" } ]""", pageSize: 2));

        var items = await ReadAsync(source, "D");

        Assert.Equal(["one", "two", "three"], items.Where(i => i.Record is not null).Select(i => i.Record!.Content));
        Assert.Equal(2, items.Count(i => i.Reject?.Code == RejectCodes.DuplicateKey));
    }

    [Fact]
    public async Task Read_NoKeyConfigured_ElementIdIsTheKey()
    {
        var graph = new Graph();
        var node = graph.AddNode("Tag", Props(("name", "graphs")));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "Tag", "text": "name" } ]"""));

        var record = Assert.Single(await ReadAsync(source, "Tag")).Record!;

        Assert.Equal(node.ElementId, record.SourceKey);
    }

    [Fact]
    public async Task Read_WhereAndTemplate_FilterOnServerAndRenderText()
    {
        var graph = new Graph();
        graph.AddNode("A", Props(("id", 1), ("title", "T1"), ("body", "B1"), ("status", "published")));
        graph.AddNode("A", Props(("id", 2), ("title", "T2"), ("body", "B2"), ("status", "draft")));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "A", "key": "id", "template": "{title}: {body}", "where": "n.status = 'published'" } ]"""));

        var items = await ReadAsync(source, "A");

        Assert.Equal("T1: B1", Assert.Single(items).Record!.Content);
        Assert.Equal(1, await source.EstimateCountAsync("A", Ct));
    }

    [Fact]
    public async Task Check_LabelWithoutNodes_SaysSoAndHowToFix()
    {
        var graph = new Graph();
        graph.AddNode("Person", Props(("id", 1)));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "person", "key": "id", "text": "name" } ]"""));

        var error = await Assert.ThrowsAsync<Errors.SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("no node with label 'person'", error.Message, StringComparison.Ordinal);
        Assert.Contains("case-sensitive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_KeyPropertyNoNodeHas_SaysSo()
    {
        var graph = new Graph();
        graph.AddNode("Person", Props(("id", 1), ("name", "x")));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "Person", "key": "ID", "text": "name" } ]"""));

        var error = await Assert.ThrowsAsync<Errors.SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("has the key property 'ID'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_PasswordFromEnvironment_NeverInDescribedSettings()
    {
        var graph = new Graph();
        graph.AddNode("P", Props(("id", 1), ("name", "x")));
        await using var server = await StartAsync(graph);
        Environment.SetEnvironmentVariable("EBL_NEO4J_TEST_PASSWORD", Password);
        await using var source = Create(Section(server, """[ { "label": "P", "key": "id", "text": "name" } ]""", password: "${EBL_NEO4J_TEST_PASSWORD}"));

        await source.CheckAsync(Ct);

        Assert.DoesNotContain(Password, source.DescribeSettings().ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("EBL_NEO4J_TEST_PASSWORD", source.DescribeSettings().ToJsonString(), StringComparison.Ordinal);
    }
}
