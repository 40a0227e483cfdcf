using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

/// <summary>Edge tables ("edges"): one edge per row with its own type and weight, read in key order like a table.</summary>
public sealed class PostgresEdgeTableTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_EdgeTable_OneEdgePerRowWithItsTypeAndWeightAndRejectsWithReasons()
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE docs (id text PRIMARY KEY, body text, hidden boolean NOT NULL DEFAULT false);
            INSERT INTO docs (id, body, hidden) VALUES ('a', 'A', false), ('b', 'B', false), ('c', 'C', true);
            CREATE TABLE links (from_id text, to_id text, kind text, weight text);
            INSERT INTO links VALUES
              ('a', 'b', 'cites', '0.25'),      -- an edge with its own weight
              ('b', 'a', NULL, NULL),           -- no type, no weight: the default relation, no weight
              ('a', NULL, 'cites', '0.5'),      -- no end
              ('a', 'zz', 'cites', '0.5'),      -- an end that is no document
              ('b', 'c', 'cites', '0.5'),       -- an end excluded by the documents' "where"
              ('b', 'a', 'cites', 'strong');    -- a weight that is no number
            """, Ct);
        var tables = $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body", "where": "NOT hidden" } ]""";
        var edges = $$"""
            [ { "table": "{{schema}}.links", "from": "from_id", "to": "to_id", "fromCollection": "{{schema}}.docs", "toCollection": "{{schema}}.docs",
                "relation": "kind", "weight": "weight", "defaultRelation": "see_also" } ]
            """;

        var result = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, connectionString: PostgresServer.ConnectionString, edgeTables: edges);

        var links = result.Counts.Single(c => c.Collection == $"{schema}.links");
        Assert.Equal((6L, 0L, 4L, 2L), (links.SourceRows, links.Staged, links.Rejected, links.StandaloneEdges));
        Assert.True(links.Reconciles);
        string Id(string key) => MemoryIdentity.ForRecord("postgres", "pg", $"{schema}.docs", key);
        Assert.Equal(
            [(Id("a"), Id("b"), "cites", (double?)0.25), (Id("b"), Id("a"), "see_also", null)],
            result.Edges.Select(e => (e.FromMemoryId, e.ToMemoryId, e.Relation, e.Weight)).OrderBy(e => e.Relation, StringComparer.Ordinal));
        var reasons = result.Rejects.Where(r => r.Collection == $"{schema}.links").OrderBy(r => r.Message, StringComparer.Ordinal).Select(r => (r.Code, r.Message)).ToList();
        Assert.Equal(4, reasons.Count);
        Assert.Contains(reasons, r => r.Code == RejectCodes.MissingEndpoint && r.Message.StartsWith("column 'to_id' is NULL", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Code == RejectCodes.MissingEndpoint && r.Message.StartsWith("column 'to_id' holds 'zz', which is the key of no row", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Code == RejectCodes.MissingEndpoint && r.Message.StartsWith("column 'to_id' holds 'c', which is the key of no row", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Code == RejectCodes.Malformed && r.Message.StartsWith("weight column 'weight' holds 'strong'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Extract_EdgeTableKilledMidwayThenResumed_EveryRowOnce()
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE docs (id int PRIMARY KEY, body text);
            INSERT INTO docs SELECT g, 'doc ' || g FROM generate_series(1, 100) g;
            CREATE TABLE links (src int, dst int, w double precision, PRIMARY KEY (src, dst));
            INSERT INTO links SELECT a, b, (a + b) / 200.0 FROM generate_series(1, 40) a, generate_series(1, 40) b WHERE a <> b;
            """, Ct);
        var tables = $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body" } ]""";
        var edges = $$"""[ { "table": "{{schema}}.links", "from": "src", "to": "dst", "fromCollection": "{{schema}}.docs", "toCollection": "{{schema}}.docs", "weight": "w" } ]""";

        await Assert.ThrowsAsync<IOException>(() => PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, partSize: 300, failAfter: 1000, connectionString: PostgresServer.ConnectionString, edgeTables: edges));
        var result = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, partSize: 300, connectionString: PostgresServer.ConnectionString, edgeTables: edges);

        var links = result.Counts.Single(c => c.Collection == $"{schema}.links");
        Assert.Equal((1560L, 1560L), (links.SourceRows, links.StandaloneEdges));
        Assert.Equal(1560, result.Edges.Count);
        Assert.Equal(1560, result.Edges.Select(e => e.EdgeId).Distinct().Count());
        Assert.All(result.Edges, e => Assert.Equal("related_to", e.Relation));
        Assert.Equal(6, links.Parts);
    }

    [Fact]
    public async Task Extract_EdgeTableInShards_EveryRowInExactlyOneShard()
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE docs (id int PRIMARY KEY, body text);
            INSERT INTO docs SELECT g, 'doc ' || g FROM generate_series(1, 30) g;
            CREATE TABLE links (src int, dst int);
            INSERT INTO links SELECT a, b FROM generate_series(1, 30) a, generate_series(1, 30) b WHERE a <> b;
            INSERT INTO links VALUES (NULL, 1);
            """, Ct);
        var tables = $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body" } ]""";
        var edges = $$"""[ { "table": "{{schema}}.links", "from": "src", "to": "dst", "fromCollection": "{{schema}}.docs", "toCollection": "{{schema}}.docs" } ]""";

        var shards = new List<PostgresSnapshot>();
        for (var i = 0; i < 3; i++)
        {
            shards.Add(await PostgresSnapshotRun.ExtractAsync(
                Path.Combine(_temp.Path, $"shard{i}"), tables, shard: new Configuration.ShardSpec(i, 3), connectionString: PostgresServer.ConnectionString, edgeTables: edges));
        }

        var edgeIds = shards.SelectMany(s => s.Edges).Select(e => e.EdgeId).ToList();
        Assert.Equal(870, edgeIds.Count);
        Assert.Equal(870, edgeIds.Distinct().Count());
        Assert.All(shards, s => Assert.True(s.Edges.Count > 0));
        // The row without a start belongs to shard 0, whose NULL-key pass rejects it.
        Assert.Equal([1, 0, 0], shards.Select(s => s.Rejects.Count(r => r.Code == RejectCodes.MissingEndpoint)));
    }

    [Theory]
    [InlineData("""{ "table": "no_links", "from": "from_id", "to": "to_id", "fromCollection": "SCHEMA.docs", "toCollection": "SCHEMA.docs" }""", "table 'no_links' does not exist")]
    [InlineData("""{ "table": "SCHEMA.links", "from": "from_id", "to": "target", "fromCollection": "SCHEMA.docs", "toCollection": "SCHEMA.docs", "weight": "w" }""", "has no column 'target', 'w'; its columns are from_id, to_id. Fix the edge table's settings")]
    public async Task Check_EdgeTableMissingTableOrColumn_FailsSayingWhat(string edge, string expected)
    {
        var schema = await PostgresServer.CreateSchemaAsync("CREATE TABLE docs (id text PRIMARY KEY, body text); CREATE TABLE links (from_id text, to_id text);", Ct);
        var tables = $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body" } ]""";

        var error = await Assert.ThrowsAsync<SourceException>(() => PostgresSnapshotRun.ExtractAsync(
            _temp.Path, tables, connectionString: PostgresServer.ConnectionString, edgeTables: $"[ {edge.Replace("SCHEMA", schema, StringComparison.Ordinal)} ]"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "table": "links", "from": "f", "to": "t", "fromCollection": "docs", "toCollection": "nope" }""", "edges[0].toCollection", "names 'nope', which is not one of this source's tables")]
    [InlineData("""{ "table": "links", "from": "f", "to": "t", "toCollection": "docs" }""", "fromCollection", "is required")]
    [InlineData("""{ "table": "docs", "from": "f", "to": "t", "fromCollection": "docs", "toCollection": "docs" }""", "tables", "names 'docs' twice")]
    [InlineData("""{ "table": "links", "from": "f", "to": "t", "fromCollection": "pairs", "toCollection": "docs" }""", "edges[0].fromCollection", "whose key has 2 columns")]
    public async Task Config_BadEdgeTable_FailsNamingTheSettingAndTheFix(string edge, string path, string expected)
    {
        var tables = """[ { "table": "docs", "key": "id", "text": "body" }, { "table": "pairs", "key": ["a", "b"], "text": "body" } ]""";

        var error = await Assert.ThrowsAsync<ConfigException>(() => PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, connectionString: "Host=127.0.0.1", edgeTables: $"[ {edge} ]"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
