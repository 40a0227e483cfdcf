using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Tests.Shared;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

public sealed class PostgresExtractionTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ebl-pg-tests", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Extract_TableWithRichTypes_StagesMetadataEdgesAndRejects()
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE customers (id int PRIMARY KEY, name text, bio text, prefs jsonb, tags text[], balance numeric(12,2), seen timestamptz, photo bytea);
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int REFERENCES customers(id), note text);
            INSERT INTO customers VALUES
              (1, 'Ada', 'Writes compilers', '{"vip": true}', '{a,b}', 12.50, '2024-03-01 10:00:00+02', '\x0102'),
              (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            INSERT INTO orders VALUES (10, 1, 'first order'), (11, NULL, 'guest order');
            """, Ct);
        var tables = $$"""
            [ { "table": "{{schema}}.customers", "key": "id", "text": ["name", "bio"], "timestamp": "seen" },
              { "table": "{{schema}}.orders", "key": "id", "text": "note", "foreignKeys": [ { "columns": ["customer_id"], "references": "{{schema}}.customers", "relation": "placed_by", "weight": 0.9 } ] } ]
            """;

        var result = await ExtractAsync(tables);

        Assert.All(result.Counts, c => Assert.True(c.Reconciles));
        Assert.Equal([(2L, 1L, 1L), (2L, 2L, 0L)], result.Counts.Select(c => (c.SourceRows, c.Staged, c.Rejected)));
        var ada = result.Records.Single(r => r.SourceKey == "1");
        Assert.Equal("Ada\n\nWrites compilers", ada.Content);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 8, 0, 0, TimeSpan.Zero), ada.Timestamp);
        using var metadata = JsonDocument.Parse(ada.MetadataJson);
        Assert.True(metadata.RootElement.GetProperty("prefs").GetProperty("vip").GetBoolean());
        Assert.Equal("[\"a\",\"b\"]", metadata.RootElement.GetProperty("tags").GetRawText());
        Assert.Equal(12.50m, metadata.RootElement.GetProperty("balance").GetDecimal());
        Assert.Equal("base64:AQI=", metadata.RootElement.GetProperty("photo").GetString());
        Assert.Equal(RejectCodes.EmptyText, Assert.Single(result.Rejects).Code);
        var edge = Assert.Single(result.Edges);
        Assert.Equal(MemoryIdentity.ForRecord("postgres", "pg", $"{schema}.customers", "1"), edge.ToMemoryId);
        Assert.Equal(("placed_by", 0.9), (edge.Relation, edge.Weight));
    }

    [Fact]
    public async Task Extract_QueryWithNullAndRepeatedKeys_RejectsThemWithReasons()
    {
        var tables = """
            [ { "name": "q", "query": "SELECT k, txt FROM (VALUES (1, 'a'), (1, 'b'), (NULL, 'c'), (2, 'd')) v(k, txt);", "key": "k", "text": "txt" } ]
            """;

        var result = await ExtractAsync(tables);

        Assert.Equal((4L, 2L, 2L), (result.Counts[0].SourceRows, result.Counts[0].Staged, result.Counts[0].Rejected));
        Assert.Equal([RejectCodes.DuplicateKey, RejectCodes.MissingKey], result.Rejects.Select(r => r.Code).Order());
    }

    [Fact]
    public async Task Extract_KilledMidwayThenResumed_EveryRowOnce()
    {
        var schema = await PostgresServer.CreateSchemaAsync(
            "CREATE TABLE docs (id int PRIMARY KEY, body text); INSERT INTO docs SELECT g, 'doc ' || g FROM generate_series(1, 2000) g;", Ct);
        var tables = $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body" } ]""";

        await Assert.ThrowsAsync<IOException>(() => ExtractAsync(tables, partSize: 300, failAfter: 1000));
        var result = await ExtractAsync(tables, partSize: 300);

        Assert.Equal(2000, result.Records.Count);
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => $"{i}"), result.Records.Select(r => r.SourceKey));
        Assert.Equal(7, result.Counts[0].Parts);
    }

    [Fact]
    public async Task Check_WrongPassword_FailsWithoutPrintingIt()
    {
        const string Wrong = "not-the-password-x9";
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Password = Wrong };

        var error = await Assert.ThrowsAsync<SourceException>(() => ExtractAsync("""[ { "table": "x", "key": "id", "text": "t" } ]""", connectionString: builder.ConnectionString));

        Assert.Contains("refused user", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NothingListening_SaysCannotReach()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Port = 1, Timeout = 3 };

        var error = await Assert.ThrowsAsync<SourceException>(() => ExtractAsync("""[ { "table": "x", "key": "id", "text": "t" } ]""", connectionString: builder.ConnectionString));

        Assert.Contains("cannot reach PostgreSQL at 127.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Theory]
    [InlineData("""[ { "table": "no_such_table", "key": "id", "text": "t" } ]""", "table 'no_such_table' does not exist")]
    [InlineData("""[ { "name": "q", "query": "SELECT 1 AS id, 'x' AS body", "key": "id", "text": "text" } ]""", "has no column 'text'; its columns are id, body")]
    [InlineData("""[ { "name": "q", "query": "SELEC 1", "key": "id", "text": "t" } ]""", "PostgreSQL error 42601")]
    public async Task Check_BadTableColumnOrQuery_FailsSayingWhat(string tables, string expected)
    {
        var error = await Assert.ThrowsAsync<SourceException>(() => ExtractAsync(tables));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private async Task<ExtractResult> ExtractAsync(string tables, int partSize = 50_000, int? failAfter = null, string? connectionString = null)
    {
        var section = new JsonObject
        {
            ["name"] = "pg",
            ["kind"] = "postgres",
            ["connectionString"] = connectionString ?? PostgresServer.ConnectionString,
            ["tables"] = JsonNode.Parse(tables),
        };
        var job = $$"""{ "migrationId": "pg-test", "snapshot": "{{_folder}}", "extract": { "partSize": {{partSize}} }, "sources": [ {{section.ToJsonString()}} ] }""";
        var config = JobConfigLoader.Parse(job, Path.Combine(_folder, "job.json"));
        IRecordSource source = new PostgresSourceFactory().Create(config.Sources[0], config.Extract, null);
        if (failAfter is { } limit)
        {
            source = new InterruptedSource(source, limit);
        }

        var described = source.DescribeSettings();
        await using var store = await SnapshotStore.OpenForWriteAsync(_folder, config.MigrationId,
            [new SourceEntry { Name = "pg", Kind = source.Kind, Settings = described, SettingsFingerprint = SourceSettings.Fingerprint(described) }],
            SnapshotOpenMode.CreateOrResume, TimeProvider.System, Ct);
        var counts = await new ExtractStage(store, config.Extract, new ExtractProgress()).RunAsync([source], cancellationToken: Ct).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        var manifest = store.ReadManifest();
        var parts = manifest.Parts.OrderBy(p => p.Collection, StringComparer.Ordinal).ThenBy(p => p.Index).ToList();
        return new ExtractResult(
            counts,
            await ReadAllAsync(store, parts.Select(p => p.Files.Records), PartCodecs.Records),
            await ReadAllAsync(store, parts.Select(p => p.Files.Edges), PartCodecs.Edges),
            await ReadAllAsync(store, parts.Select(p => p.Files.ExtractRejects), PartCodecs.Rejects));
    }

    private static async Task<List<T>> ReadAllAsync<T>(SnapshotStore store, IEnumerable<PartFile?> files, PartCodec<T> codec)
    {
        var rows = new List<T>();
        foreach (var file in files.OfType<PartFile>())
        {
            await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(file.Path), store.MigrationId, Ct);
            rows.AddRange(await reader.ReadAllAsync(Ct).ToListAsync(Ct));
        }

        return rows;
    }

    private sealed record ExtractResult(IReadOnlyList<CollectionCounts> Counts, List<StagedRecord> Records, List<StagedEdge> Edges, List<RejectRecord> Rejects);

}
