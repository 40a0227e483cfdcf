using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;
using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

public sealed class PostgresShardTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_ThreeShards_UnionIsTheUnshardedExtractEachRowOnce()
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE single (id int, body text);
            INSERT INTO single SELECT g, 'doc ' || g FROM generate_series(1, 600) g;
            INSERT INTO single VALUES (NULL, 'null key a'), (NULL, 'null key b'), (7, 'second 7'), (300, 'second 300'), (601, '');
            CREATE TABLE composite (tenant text, id int, body text);
            INSERT INTO composite SELECT 't' || (g % 5), g, 'c ' || g FROM generate_series(1, 400) g;
            INSERT INTO composite VALUES ('Zürich', 1, 'unicode'), (NULL, 9, 'null tenant'), ('t1', NULL, 'null id'), ('t1', 1, 'second t1/1');
            """, Ct);
        var tables = $$"""
            [ { "table": "{{schema}}.single", "key": "id", "text": "body" },
              { "table": "{{schema}}.composite", "key": ["tenant", "id"], "text": "body" } ]
            """;

        var whole = await PostgresSnapshotRun.ExtractAsync(Path.Combine(_temp.Path, "whole"), tables);
        var shards = new List<PostgresSnapshot>();
        for (var i = 0; i < 3; i++)
        {
            shards.Add(await PostgresSnapshotRun.ExtractAsync(Path.Combine(_temp.Path, $"shard-{i}"), tables, new ShardSpec(i, 3), partSize: 100));
        }

        var ids = shards.SelectMany(s => s.Records).Select(r => r.Record.MemoryId).ToList();
        Assert.All(shards, shard => Assert.True(shard.Records.Count > 250, $"a shard staged only {shard.Records.Count} records"));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(whole.Records.Select(r => r.Record.MemoryId).Order(), ids.Order());
        Assert.Equal(Describe(whole.Rejects), Describe(shards.SelectMany(s => s.Rejects)));
        Assert.Equal(3, whole.Rejects.Count(r => r.Code == RejectCodes.DuplicateKey));
        Assert.Equal(4, whole.Rejects.Count(r => r.Code == RejectCodes.MissingKey));
        foreach (var (table, rows) in new[] { ("single", 605L), ("composite", 404L) })
        {
            Assert.Equal(rows, await CountAsync($"{schema}.{table}"));
            Assert.Equal(rows, whole.Counts.Single(c => c.Collection == $"{schema}.{table}").SourceRows);
            Assert.Equal(rows, shards.Sum(s => s.Counts.Single(c => c.Collection == $"{schema}.{table}").SourceRows));
            Assert.All(shards, s => Assert.True(s.Counts.Single(c => c.Collection == $"{schema}.{table}").Reconciles));
        }

        // A single key's shard is computed on the server exactly as ShardSpec.Includes computes it on its text.
        for (var i = 0; i < 3; i++)
        {
            Assert.All(shards[i].Records.Where(r => r.Record.Collection == $"{schema}.single"), r => Assert.True(new ShardSpec(i, 3).Includes(r.Record.SourceKey)));
        }
    }

    [Fact]
    public async Task Extract_ResumedWithAnotherShard_IsRefused()
    {
        var schema = await PostgresServer.CreateSchemaAsync("CREATE TABLE docs (id int PRIMARY KEY, body text); INSERT INTO docs VALUES (1, 'a');", Ct);
        var tables = $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body" } ]""";
        await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, new ShardSpec(0, 2));

        var error = await Assert.ThrowsAnyAsync<BulkLoadException>(() => PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, new ShardSpec(1, 2)));

        Assert.Contains("pg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_WithWhere_ReadsAndCountsOnlyMatchingRows()
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE tickets (id int, region text, body text);
            INSERT INTO tickets SELECT g, (ARRAY['eu', 'us', 'apac'])[g % 3 + 1], 'ticket ' || g FROM generate_series(1, 90) g;
            INSERT INTO tickets VALUES (NULL, 'eu', 'no key'), (NULL, 'apac', 'no key either');
            """, Ct);
        var tables = $$"""[ { "table": "{{schema}}.tickets", "key": "id", "text": "body", "where": "region = 'eu' OR region = 'us' -- not apac" } ]""";

        var result = await PostgresSnapshotRun.ExtractAsync(_temp.Path, tables, new ShardSpec(0, 2));
        var other = await PostgresSnapshotRun.ExtractAsync(Path.Combine(_temp.Path, "other"), tables, new ShardSpec(1, 2));

        Assert.Equal(61, result.Counts[0].SourceRows + other.Counts[0].SourceRows);
        Assert.Equal(60, result.Records.Count + other.Records.Count);
        Assert.Equal(RejectCodes.MissingKey, Assert.Single(result.Rejects).Code);
        Assert.Empty(other.Rejects);
    }

    [Fact]
    public async Task Check_WhereNamingAMissingColumn_FailsBeforeWriting()
    {
        var schema = await PostgresServer.CreateSchemaAsync("CREATE TABLE docs (id int PRIMARY KEY, body text);", Ct);

        var error = await Assert.ThrowsAsync<SourceException>(() => PostgresSnapshotRun.ExtractAsync(_temp.Path,
            $$"""[ { "table": "{{schema}}.docs", "key": "id", "text": "body", "where": "regoin = 'eu'" } ]"""));

        Assert.Contains("regoin", error.Message, StringComparison.Ordinal);
    }

    private static List<string> Describe(IEnumerable<RejectRecord> rejects)
        => rejects.Select(r => $"{r.Collection} {r.Code} {r.SourceKey}").Order(StringComparer.Ordinal).ToList();

    private static async Task<long> CountAsync(string table)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
