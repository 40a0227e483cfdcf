using System.Text.Json;
using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

/// <summary>No silent change of a value on its way from PostgreSQL to the snapshot (issue 12, section 6).</summary>
public sealed class PostgresValueFidelityTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_Intervals_KeepTheServersOwnIso8601Text()
    {
        string[] intervals =
        [
            "1 year 2 mons 3 days 04:05:06.789", "-1 year -2 mons", "1 year -2 days", "-3 days 04:00", "-00:00:01.5",
            "0", "14 mons", "-14 mons", "00:00:00.000001", "-1 day -00:00:00.25", "100 years", "1 mon -1 day +1 second",
        ];
        var values = string.Join(", ", intervals.Select((text, i) => $"({i + 1}, 'row {i + 1}', interval '{text}')"));
        var schema = await PostgresServer.CreateSchemaAsync($"CREATE TABLE spans (id int PRIMARY KEY, body text, span interval); INSERT INTO spans VALUES {values};", Ct);
        var expected = await ServerIso8601Async($"SELECT id, span::text FROM {schema}.spans ORDER BY id");

        var result = await PostgresSnapshotRun.ExtractAsync(_temp.Path, $$"""[ { "table": "{{schema}}.spans", "key": "id", "text": "body" } ]""", connectionString: PostgresServer.ConnectionString);

        Assert.Equal(intervals.Length, result.AllRecords.Count);
        foreach (var record in result.AllRecords)
        {
            using var metadata = JsonDocument.Parse(record.MetadataJson);
            Assert.Equal(expected[int.Parse(record.SourceKey, System.Globalization.CultureInfo.InvariantCulture)], metadata.RootElement.GetProperty("span").GetString());
        }
    }

    [Fact]
    public async Task Extract_InfiniteTimestamps_KeptInMetadataNeverAMemoryTime()
    {
        var schema = await PostgresServer.CreateSchemaAsync("""
            CREATE TABLE events (id int PRIMARY KEY, body text, at timestamptz, local_at timestamp, day date);
            INSERT INTO events VALUES
              (1, 'later', 'infinity', 'infinity', 'infinity'),
              (2, 'earlier', '-infinity', '-infinity', '-infinity'),
              (3, 'plain', '2024-05-01 12:00:00+00', '0001-01-01 00:00:00', '0001-01-01');
            """, Ct);

        var result = await PostgresSnapshotRun.ExtractAsync(_temp.Path, $$"""[ { "table": "{{schema}}.events", "key": "id", "text": "body", "timestamp": "at" } ]""", connectionString: PostgresServer.ConnectionString);

        var byKey = result.AllRecords.ToDictionary(record => record.SourceKey);
        Assert.Equal(3, byKey.Count);
        Assert.Null(byKey["1"].Timestamp);
        Assert.Null(byKey["2"].Timestamp);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero), byKey["3"].Timestamp);
        Assert.Equal(("infinity", "infinity", "infinity"), Fields(byKey["1"]));
        Assert.Equal(("-infinity", "-infinity", "-infinity"), Fields(byKey["2"]));
        // The smallest real values are not infinities.
        Assert.Equal(("2024-05-01T12:00:00.0000000Z", "0001-01-01T00:00:00.0000000", "0001-01-01"), Fields(byKey["3"]));
        Assert.Contains(result.Notes, note => note.Contains("1 record(s): timestamp field 'at' is infinity", StringComparison.Ordinal) && note.Contains("the memory has no time", StringComparison.Ordinal));
        Assert.Contains(result.Notes, note => note.Contains("1 record(s): timestamp field 'at' is -infinity", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Extract_NullColumns_StayNullInMetadata()
    {
        var schema = await PostgresServer.CreateSchemaAsync("CREATE TABLE people (id int PRIMARY KEY, name text, nick text, age int); INSERT INTO people VALUES (1, 'Ada', NULL, NULL), (2, 'Bob', '', 0);", Ct);

        var result = await PostgresSnapshotRun.ExtractAsync(_temp.Path, $$"""[ { "table": "{{schema}}.people", "key": "id", "text": "name" } ]""", connectionString: PostgresServer.ConnectionString);

        var byKey = result.AllRecords.ToDictionary(record => record.SourceKey);
        using var ada = JsonDocument.Parse(byKey["1"].MetadataJson);
        using var bob = JsonDocument.Parse(byKey["2"].MetadataJson);
        Assert.Equal(JsonValueKind.Null, ada.RootElement.GetProperty("nick").ValueKind);
        Assert.Equal(JsonValueKind.Null, ada.RootElement.GetProperty("age").ValueKind);
        Assert.Equal(string.Empty, bob.RootElement.GetProperty("nick").GetString());
    }

    private static (string?, string?, string?) Fields(Records.StagedRecord record)
    {
        using var metadata = JsonDocument.Parse(record.MetadataJson);
        var root = metadata.RootElement;
        return (root.GetProperty("at").GetString(), root.GetProperty("local_at").GetString(), root.GetProperty("day").GetString());
    }

    /// <summary>What the server itself writes for each row with intervalstyle iso_8601: the reference.</summary>
    private static async Task<Dictionary<int, string>> ServerIso8601Async(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync(Ct);
        await using (var style = new NpgsqlCommand("SET intervalstyle = iso_8601", connection))
        {
            await style.ExecuteNonQueryAsync(Ct);
        }

        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var texts = new Dictionary<int, string>();
        while (await reader.ReadAsync(Ct))
        {
            texts[reader.GetInt32(0)] = reader.GetString(1);
        }

        return texts;
    }
}
