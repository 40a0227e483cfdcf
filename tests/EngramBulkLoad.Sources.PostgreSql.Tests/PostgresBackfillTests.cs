using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

public sealed class PostgresBackfillTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Backfill_AfterUpdatesAndInserts_StagesOnlyThoseRowsAsGenerationOne()
    {
        var schema = await CreateDocsAsync(300, "CREATE TABLE plain (id int PRIMARY KEY, body text); INSERT INTO plain VALUES (1, 'x');");
        var tables = $$"""
            [ { "table": "{{schema}}.docs", "key": "id", "text": "body", "watermark": "updated_at" },
              { "table": "{{schema}}.plain", "key": "id", "text": "body" } ]
            """;
        var first = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables);
        await ExecuteAsync(schema, """
            UPDATE docs SET body = 'changed ' || id, updated_at = '2025-01-01 00:00:00+00' WHERE id IN (5, 17, 250);
            INSERT INTO docs SELECT g, 'new ' || g, '2025-01-02 00:00:00+00' FROM generate_series(301, 305) g;
            UPDATE plain SET body = 'changed';
            """);

        var second = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, backfill: true);

        Assert.Equal("2024-01-01 00:05:00+00", first.Progress($"{schema}.docs").Watermark);
        var changed = second.Generation(1).Where(r => r.Collection == $"{schema}.docs").ToList();
        Assert.Equal([5, 17, 250, 301, 302, 303, 304, 305], changed.Select(r => int.Parse(r.SourceKey, System.Globalization.CultureInfo.InvariantCulture)));
        var before = first.Generation(0).Where(r => r.Collection == $"{schema}.docs").ToDictionary(r => r.SourceKey, r => r.MemoryId);
        Assert.All(changed.Take(3), r => Assert.Equal(before[r.SourceKey], r.MemoryId));
        Assert.Equal("changed 5", changed[0].Content);
        var docs = second.Progress($"{schema}.docs");
        Assert.Equal((1, true, "2025-01-02 00:00:00+00"), (docs.Generation, docs.Completed, docs.Watermark));
        var generationOne = second.Manifest.Parts.Where(p => p.Generation == 1).ToList();
        Assert.Equal(8, generationOne.Sum(p => p.Counts.SourceRows));
        Assert.Equal(8, generationOne.Sum(p => p.Counts.Staged + p.Counts.ExtractRejected));
        Assert.Equal(0, second.Progress($"{schema}.plain").Generation);
        Assert.Contains(second.Notes, note => note.Contains($"{schema}.plain", StringComparison.Ordinal) && note.Contains("no \"watermark\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backfill_NothingChanged_WritesNoPart()
    {
        var schema = await CreateDocsAsync(50);
        var tables = $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body", "watermark": "updated_at" } ]""";
        var first = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables);

        var second = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, backfill: true);

        Assert.Equal(first.Manifest.Parts.Count, second.Manifest.Parts.Count);
        Assert.Equal(0, second.Progress($"{schema}.docs").Generation);
        Assert.Contains(second.Notes, note => note.Contains("nothing changed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backfill_KilledMidway_ResumesWithinItsRangeWithoutDuplicates()
    {
        var schema = await CreateDocsAsync(1000);
        var tables = $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body", "watermark": "updated_at" } ]""";
        await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, partSize: 100);
        await ExecuteAsync(schema, "UPDATE docs SET body = 'changed ' || id, updated_at = timestamptz '2025-01-01 00:00:00+00' + id * interval '1 second' WHERE id % 2 = 0;");

        await Assert.ThrowsAsync<IOException>(() => PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, backfill: true, partSize: 100, failAfter: 350));
        // Changed after the backfill started, in a part it already wrote: not this backfill's row, the next one's.
        await ExecuteAsync(schema, "UPDATE docs SET body = 'late', updated_at = '2026-01-01 00:00:00+00' WHERE id = 2;");
        var resumed = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, backfill: true, partSize: 100);
        var again = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, backfill: true, partSize: 100);

        var generationOne = resumed.Generation(1);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => $"{i * 2}"), generationOne.Select(r => r.SourceKey));
        Assert.Equal("changed 2", generationOne[0].Content);
        Assert.Equal(500, resumed.Manifest.Parts.Where(p => p.Generation == 1).Sum(p => p.Counts.SourceRows));
        var late = Assert.Single(again.Generation(2));
        Assert.Equal(("2", "late"), (late.SourceKey, late.Content));
        Assert.Equal("2026-01-01 00:00:00+00", again.Progress($"{schema}.docs").Watermark);
    }

    private static async Task<string> CreateDocsAsync(int rows, string more = "")
        => await PostgresServer.CreateSchemaAsync($"""
            CREATE TABLE docs (id int PRIMARY KEY, body text, updated_at timestamptz NOT NULL);
            INSERT INTO docs SELECT g, 'doc ' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' FROM generate_series(1, {rows}) g;
            {more}
            """, Ct);

    private static async Task ExecuteAsync(string schema, string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"SET search_path TO {schema}; {sql}", connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
