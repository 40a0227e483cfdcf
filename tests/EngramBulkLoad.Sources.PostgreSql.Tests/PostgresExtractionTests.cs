using System.Text.Json;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

public sealed class PostgresExtractionTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

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
        var ada = result.AllRecords.Single(r => r.SourceKey == "1");
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

        Assert.Equal(2000, result.AllRecords.Count);
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => $"{i}"), result.AllRecords.Select(r => r.SourceKey));
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

    private Task<PostgresSnapshot> ExtractAsync(string tables, int partSize = 50_000, int? failAfter = null, string? connectionString = null)
        => PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, partSize: partSize, failAfter: failAfter, connectionString: connectionString ?? PostgresServer.ConnectionString);
}
