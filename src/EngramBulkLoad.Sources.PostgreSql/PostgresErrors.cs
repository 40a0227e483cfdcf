using System.Net.Sockets;
using EngramBulkLoad.Errors;
using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>Turns Npgsql and PostgreSQL failures into messages that say what to fix. Never includes the password.</summary>
internal static class PostgresErrors
{
    public static SourceException Translate(Exception ex, string source, string? collection, string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var server = $"{builder.Host}:{builder.Port}";
        return ex switch
        {
            PostgresException { SqlState: "28P01" or "28000" } pg => ErrorFactory.Source(source, collection,
                $"PostgreSQL at {server} refused user '{builder.Username}': {pg.MessageText}. Check the user name and the password (the source's \"password\" setting or PGPASSWORD).", ex),
            PostgresException { SqlState: "3D000" } => ErrorFactory.Source(source, collection,
                $"database '{builder.Database}' does not exist on {server}. Check Database= in the connection string.", ex),
            PostgresException { SqlState: "42P01" } pg => ErrorFactory.Source(source, collection,
                $"{pg.MessageText}. Check the table name (schema.table), and that the user may see it.", ex),
            PostgresException { SqlState: "42703" } pg => ErrorFactory.Source(source, collection,
                $"{pg.MessageText}. Check the column names in the mapping.", ex),
            PostgresException { SqlState: "42501" } pg => ErrorFactory.Source(source, collection,
                $"{pg.MessageText}. Grant the user SELECT on it.", ex),
            PostgresException pg => ErrorFactory.Source(source, collection,
                $"PostgreSQL error {pg.SqlState}: {pg.MessageText}{(pg.Position > 0 ? $" (at character {pg.Position} of the query)" : string.Empty)}.", ex, pg.IsTransient),
            NpgsqlException { InnerException: SocketException socket } => ErrorFactory.Source(source, collection,
                $"cannot reach PostgreSQL at {server} ({socket.SocketErrorCode}). Check Host and Port, and that the server is running and accepts TCP connections.", ex, isTransient: true),
            NpgsqlException { InnerException: TimeoutException } or TimeoutException => ErrorFactory.Source(source, collection,
                $"PostgreSQL at {server} did not answer in time. Check the network, or raise Timeout= in the connection string.", ex, isTransient: true),
            NpgsqlException npgsql => ErrorFactory.Source(source, collection,
                $"PostgreSQL at {server}: {npgsql.Message}", ex, npgsql.IsTransient),
            _ => ErrorFactory.Source(source, collection, ex.Message, ex),
        };
    }
}
