using System.Globalization;
using EngramBulkLoad.Configuration;
using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// The conditions a collection's queries carry besides the key order: the configured "where", the
/// shard of the key space, and a backfill's watermark range. Each is " AND ..." or empty, to append
/// after a WHERE; values travel as parameters, cast to the column's type as the keyset cursor does.
/// </summary>
internal static class CollectionSql
{
    /// <summary>The "where" predicate, on lines of its own so a trailing "-- comment" cannot swallow the rest.</summary>
    public static string Where(PostgresCollectionOptions options)
        => options.Where is { } predicate ? $" AND (\n{predicate}\n)" : string.Empty;

    /// <summary>
    /// Rows of this shard: SHA-256 of the key columns' text (UTF-8, joined by a zero byte, which text never
    /// contains), first 8 bytes as a bigint without sign, modulo the count; the function
    /// <see cref="ShardSpec.Includes"/> computes for one key text. sha256() is built in from PostgreSQL 11
    /// and gives the same value on every server, version and architecture, unlike hashtext(). Rows with a
    /// NULL key part have no hash: they all belong to shard 0, which rejects them in its NULL-key pass.
    /// </summary>
    public static string Shard(IReadOnlyList<string> keys, ShardSpec shard)
    {
        if (shard.IsWhole)
        {
            return string.Empty;
        }

        var bytes = string.Join(" || decode('00', 'hex') || ", keys.Select(k => $"convert_to(src.{PostgresSource.Quote(k)}::text, 'UTF8')"));
        var bucket = string.Create(CultureInfo.InvariantCulture,
            $"((('x' || encode(substr(sha256({bytes}), 1, 8), 'hex'))::bit(64)::bigint & 9223372036854775807) % {shard.Count})");
        return shard.Index == 0
            ? $" AND ({string.Join(" OR ", keys.Select(k => $"src.{PostgresSource.Quote(k)} IS NULL"))} OR {bucket} = 0)"
            : string.Create(CultureInfo.InvariantCulture, $" AND {bucket} = {shard.Index}");
    }

    /// <summary>Rows whose watermark is above <paramref name="above"/> (when given) and at most <paramref name="upTo"/> (when given).</summary>
    public static string Range(string column, string type, string? above, string? upTo, NpgsqlCommand command)
    {
        var sql = string.Empty;
        if (above is not null)
        {
            sql += $" AND src.{PostgresSource.Quote(column)} > CAST(@wm_above AS {type})";
            command.Parameters.AddWithValue("wm_above", above);
        }

        if (upTo is not null)
        {
            sql += $" AND src.{PostgresSource.Quote(column)} <= CAST(@wm_up_to AS {type})";
            command.Parameters.AddWithValue("wm_up_to", upTo);
        }

        return sql;
    }
}
