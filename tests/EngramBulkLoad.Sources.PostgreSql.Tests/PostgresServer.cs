using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

/// <summary>
/// The real PostgreSQL the tests use, from EBL_TEST_POSTGRES (test.sh starts one). Without it the tests
/// skip with the reason; under CI=true they fail, because CI must never pass by skipping.
/// Each test gets its own schema, so tests never see each other's tables.
/// </summary>
internal static class PostgresServer
{
    public static string ConnectionString => EngramBulkLoad.Tests.Shared.ServerVariable.Require("EBL_TEST_POSTGRES", "PostgreSQL");

    /// <summary>Creates a fresh schema with the given DDL/DML and returns its name.</summary>
    public static async Task<string> CreateSchemaAsync(string sql, CancellationToken cancellationToken)
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}; SET search_path TO {schema}; {sql}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return schema;
    }
}
