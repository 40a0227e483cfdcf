using System.Text.Json.Nodes;
using EngramBulkLoad.Sources.Conformance;
using Npgsql;
using NpgsqlTypes;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

/// <summary>The conformance suite over a table of the real PostgreSQL, one schema per test.</summary>
public sealed class PostgresConformanceTests : SourceConformanceTests
{
    protected override IRecordSourceFactory Factory { get; } = new PostgresSourceFactory();

    protected override bool SupportsWatermark => true;

    protected override string? SecretInSection => new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString).Password;

    protected override async Task<ConformanceCollection> CreateCollectionAsync(IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        var schema = await PostgresServer.CreateSchemaAsync(
            "CREATE TABLE items (id text PRIMARY KEY, title text, body text, category text, rank bigint, score double precision, active boolean, updated timestamptz);",
            cancellationToken);
        var table = $"{schema}.items";
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var import = await connection.BeginBinaryImportAsync($"COPY {table} (id, title, body, category, rank, score, active, updated) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var item in items)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(item.Id, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(item.Title, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(item.Body, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(item.Category, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(item.Rank, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(item.Score, NpgsqlDbType.Double, cancellationToken);
                await import.WriteAsync(item.Active, NpgsqlDbType.Boolean, cancellationToken);
                await import.WriteAsync(item.Updated, NpgsqlDbType.TimestampTz, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        return new ConformanceCollection(table, table);
    }

    protected override async Task UpsertAsync(ConformanceCollection collection, IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var item in items)
        {
            await using var command = new NpgsqlCommand(
                $"INSERT INTO {collection.Location} VALUES (@id, @title, @body, @category, @rank, @score, @active, @updated) ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body, category = EXCLUDED.category, rank = EXCLUDED.rank, score = EXCLUDED.score, active = EXCLUDED.active, updated = EXCLUDED.updated",
                connection);
            command.Parameters.AddWithValue("id", item.Id);
            command.Parameters.AddWithValue("title", item.Title);
            command.Parameters.AddWithValue("body", item.Body);
            command.Parameters.AddWithValue("category", item.Category);
            command.Parameters.AddWithValue("rank", item.Rank);
            command.Parameters.AddWithValue("score", item.Score);
            command.Parameters.AddWithValue("active", item.Active);
            command.Parameters.AddWithValue("updated", item.Updated);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    protected override JsonObject SourceSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location, mapping, PostgresServer.ConnectionString);

    protected override JsonNode WhereCategoryIs(string category) => $"category = '{category}'";

    protected override JsonObject? UnreachableSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location, mapping, new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Port = 1, Timeout = 3 }.ConnectionString);

    protected override JsonObject? WrongCredentialsSection(ConformanceCollection collection, JsonObject mapping)
        => Section(collection.Location, mapping, new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Password = WrongSecret }.ConnectionString);

    protected override (JsonObject Section, string Named) MissingCollectionSection(ConformanceCollection collection, JsonObject mapping)
    {
        var table = collection.Location.Replace(".items", ".no_such_items", StringComparison.Ordinal);
        return (Section(table, mapping, PostgresServer.ConnectionString), $"table '{table}' does not exist");
    }

    private static JsonObject Section(string table, JsonObject mapping, string connectionString)
    {
        var collection = mapping.DeepClone().AsObject();
        collection["table"] = table;
        collection["key"] = "id";
        return new JsonObject
        {
            ["kind"] = "postgres",
            // UTC sessions, so watermarks of timestamptz columns read the same on any test machine.
            ["connectionString"] = new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" }.ConnectionString,
            ["tables"] = new JsonArray(collection),
        };
    }
}
