using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Mapping;
using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// Reads tables and queries in key order with one streaming query each (Npgsql reads rows as they
/// arrive, so memory stays flat on any table size). Resume is keyset pagination: WHERE key > last key,
/// with the key's own text form from the server so the comparison is exact for every key type.
/// Every query also carries the collection's "where", the shard and a backfill's range (<see cref="CollectionSql"/>).
/// </summary>
internal sealed class PostgresSource : IRecordSource, IWatermarkedSource
{
    private const string KeyTextPrefix = "__ebl_key_";

    private readonly PostgresSourceOptions _options;
    private readonly JsonElement _section;
    private readonly Dictionary<string, CollectionShape> _shapes = new(StringComparer.Ordinal);
    private readonly ShardSpec _shard;

    public PostgresSource(string name, PostgresSourceOptions options, JsonElement section, ShardSpec shard)
    {
        Name = name;
        _options = options;
        _section = section;
        _shard = shard;
        Collections = options.Collections.Select(c => c.Name).ToList();
    }

    public string Name { get; }

    public string Kind => "postgres";

    public IReadOnlyList<string> Collections { get; }

    public JsonObject DescribeSettings() => SourceSettings.WithShard(SourceSettings.Redact(_section, PostgresSourceOptions.Redact), _shard);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(null, cancellationToken);
        foreach (var collection in _options.Collections)
        {
            _shapes[collection.Name] = await DescribeAsync(connection, collection, cancellationToken);
        }
    }

    public async Task<long?> EstimateCountAsync(string collection, CancellationToken cancellationToken)
    {
        var options = Find(collection);
        if (options.Table is null)
        {
            return null;
        }

        await using var connection = await OpenAsync(collection, cancellationToken);
        if (options.Where is not null)
        {
            // The planner's estimate of the filtered rows: cheap, and close enough for progress.
            await using var explain = new NpgsqlCommand($"EXPLAIN (FORMAT JSON) SELECT 1 FROM {QuoteQualified(options.Table)} AS src WHERE TRUE{CollectionSql.Where(options)}", connection);
            var plan = await RunScalarAsync(explain, collection, cancellationToken) as string;
            using var document = JsonDocument.Parse(plan ?? "[]");
            return document.RootElement.EnumerateArray().Select(e => (long?)e.GetProperty("Plan").GetProperty("Plan Rows").GetDouble()).FirstOrDefault() / _shard.Count;
        }

        await using var command = new NpgsqlCommand("SELECT c.reltuples::bigint FROM pg_class c WHERE c.oid = to_regclass(@t)", connection);
        command.Parameters.AddWithValue("t", options.Table);
        var estimate = await command.ExecuteScalarAsync(cancellationToken);
        return estimate is long n && n >= 0 ? n / _shard.Count : null;
    }

    public bool HasWatermark(string collection) => Find(collection).Watermark is not null;

    public async Task<string?> ReadWatermarkAsync(string collection, string? above, CancellationToken cancellationToken)
    {
        var options = Find(collection);
        var column = options.Watermark ?? throw new ArgumentException($"Collection '{collection}' of source '{Name}' has no watermark.", nameof(collection));
        await using var connection = await OpenAsync(collection, cancellationToken);
        var shape = await ShapeAsync(connection, options, cancellationToken);
        await using var command = new NpgsqlCommand { Connection = connection, CommandTimeout = 0 };
        command.CommandText = $"SELECT max(src.{Quote(column)})::text FROM {shape.From} WHERE TRUE{CollectionSql.Where(options)}"
            + CollectionSql.Shard(options.Mapping.Key, _shard) + CollectionSql.Range(column, shape.WatermarkType!, above, null, command);
        return await RunScalarAsync(command, collection, cancellationToken) as string;
    }

    public string BackfillCursor(string collection, string? above, string upTo)
        => new KeysetCursor { Backfill = new BackfillRange { Above = above, UpTo = upTo } }.ToJson();

    public async IAsyncEnumerable<SourceItem> ReadAsync(string collection, string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = Find(collection);
        await using var connection = await OpenAsync(collection, cancellationToken);
        var shape = await ShapeAsync(connection, options, cancellationToken);
        IRowMapper mapper = options.Edges is null ? new RecordRows(new RecordMapper(Kind, Name, collection, options.Mapping)) : new EdgeRows(Kind, Name, options);
        var resume = KeysetCursor.Parse(cursor);
        if (resume?.NullRowsDone is null)
        {
            await foreach (var item in ReadKeyedAsync(connection, options, shape, mapper, resume, cancellationToken))
            {
                yield return item;
            }
        }

        await foreach (var item in ReadNullKeysAsync(connection, options, shape, mapper, resume?.NullRowsDone ?? 0, resume?.Backfill, cancellationToken))
        {
            yield return item;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async IAsyncEnumerable<SourceItem> ReadKeyedAsync(
        NpgsqlConnection connection, PostgresCollectionOptions options, CollectionShape shape, IRowMapper mapper, KeysetCursor? resume,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = options.Mapping.Key;
        var sql = new StringBuilder();
        sql.Append("SELECT src.*");
        for (var i = 0; i < keys.Count; i++)
        {
            sql.Append($", src.{Quote(keys[i])}::text AS {KeyTextPrefix}{i}");
        }

        sql.Append($" FROM {shape.From} WHERE ");
        sql.Append(string.Join(" AND ", keys.Select(k => $"src.{Quote(k)} IS NOT NULL")));
        await using var command = new NpgsqlCommand { Connection = connection, CommandTimeout = 0 };
        sql.Append(Filters(options, shape, resume?.Backfill, command));
        if (resume?.After is { } after)
        {
            sql.Append($" AND ({string.Join(", ", keys.Select(k => $"src.{Quote(k)}"))}) > (");
            sql.Append(string.Join(", ", keys.Select((_, i) => $"CAST(@k{i} AS {shape.KeyTypes[i]})")));
            sql.Append(')');
            for (var i = 0; i < after.Length; i++)
            {
                command.Parameters.AddWithValue($"k{i}", after[i]);
            }
        }

        sql.Append(" ORDER BY ").Append(string.Join(", ", keys.Select(k => $"src.{Quote(k)}")));
        command.CommandText = sql.ToString();

        await using var reader = await ExecuteAsync(command, options.Name, cancellationToken);
        KeyPosition? previous = null;
        while (await ReadAsync(reader, options.Name, cancellationToken))
        {
            var keyText = new string[keys.Count];
            for (var i = 0; i < keyText.Length; i++)
            {
                keyText[i] = reader.GetString(shape.Columns.Count + i);
            }

            var position = new KeyPosition(keyText, shape.KeyTypes, resume?.Backfill);
            var row = ReadRow(reader, shape, out var problem);
            if (problem is not null)
            {
                yield return mapper.Reject(position, mapper.KeyOf(row), null, RejectCodes.UnsupportedType, problem);
            }
            else if (previous is not null && previous.HasSameCursor(position))
            {
                var key = mapper.KeyOf(row);
                yield return mapper.Reject(position, key, key is null ? null : mapper.MemoryIdOf(key), RejectCodes.DuplicateKey,
                    $"key {string.Join(", ", keyText)} appears on more than one row; the first is kept. Choose key columns that are unique.");
            }
            else
            {
                yield return mapper.Map(row, position);
            }

            previous = position;
        }
    }

    private async IAsyncEnumerable<SourceItem> ReadNullKeysAsync(
        NpgsqlConnection connection, PostgresCollectionOptions options, CollectionShape shape, IRowMapper mapper, long skip, BackfillRange? backfill,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = options.Mapping.Key;
        await using var command = new NpgsqlCommand { Connection = connection, CommandTimeout = 0 };
        command.CommandText = $"SELECT src.* FROM {shape.From} WHERE ({string.Join(" OR ", keys.Select(k => $"src.{Quote(k)} IS NULL"))})"
            + Filters(options, shape, backfill, command);
        await using var reader = await ExecuteAsync(command, options.Name, cancellationToken);
        long done = 0;
        while (await ReadAsync(reader, options.Name, cancellationToken))
        {
            done++;
            if (done <= skip)
            {
                continue;
            }

            var row = ReadRow(reader, shape, out _);
            yield return mapper.Map(row, new NullKeyPosition(done, backfill));
        }
    }

    private static FieldRow ReadRow(NpgsqlDataReader reader, CollectionShape shape, out string? problem)
    {
        problem = null;
        var values = new object?[shape.Columns.Count];
        for (var i = 0; i < values.Length; i++)
        {
            try
            {
                values[i] = reader.IsDBNull(i) ? null
                    : shape.IsText[i] ? reader.GetString(i)
                    : PostgresValues.Read(reader, i, shape.Readings[i]);
            }
            catch (Exception ex) when (ex is InvalidCastException or OverflowException or NotSupportedException or InvalidOperationException or ArgumentException)
            {
                problem ??= $"column '{shape.Columns[i]}' ({reader.GetDataTypeName(i)}) holds a value the reader cannot convert: {ex.Message}. Cast it in a query (e.g. {shape.Columns[i]}::text) or exclude it.";
            }
        }

        return new FieldRow(shape.Columns, shape.Index, values);
    }

    private async Task<CollectionShape> DescribeAsync(NpgsqlConnection connection, PostgresCollectionOptions options, CancellationToken cancellationToken)
    {
        if (options.Table is { } table)
        {
            await using var exists = new NpgsqlCommand("SELECT to_regclass(@t)::text", connection);
            exists.Parameters.AddWithValue("t", table);
            if (await RunScalarAsync(exists, options.Name, cancellationToken) is not string)
            {
                throw ErrorFactory.Source(Name, options.Name, $"table '{table}' does not exist in database '{connection.Database}' (or the user cannot see it). Check the name; write it as schema.table when it is not in the search path.");
            }
        }

        var from = EdgeTableSql.Rows(options);
        var (columns, types) = await ProbeAsync(connection, options, from, cancellationToken);
        var missing = options.NamedColumns().Where(field => !columns.Contains(field)).ToList();
        if (missing.Count > 0)
        {
            throw ErrorFactory.Source(Name, options.Name,
                $"has no column {string.Join(", ", missing.Select(m => $"'{m}'"))}; its columns are {string.Join(", ", columns)}. Fix the {(options.Edges is null ? "mapping" : "edge table's settings")} (names are case-sensitive).");
        }

        if (options.Edges is not null)
        {
            // Probed again with the ends' checks, so an end table's own "where" that the server cannot run also fails here.
            from = EdgeTableSql.From(options, _options.Collections);
            (columns, types) = await ProbeAsync(connection, options, from, cancellationToken);
        }

        var index = FieldRow.IndexOf(columns);

        var keyTypes = options.Mapping.Key.Select(key => SafeTypeName(types[index[key]])).ToArray();
        var watermarkType = options.Watermark is { } watermark ? SafeTypeName(types[index[watermark]]) : null;
        return new CollectionShape(
            from, columns, index, types.Select(PostgresValues.ReadingOf).ToArray(), types.Select(IsTextType).ToArray(), keyTypes, watermarkType);
    }

    /// <summary>The columns and types of the collection's rows; the "where" is part of the probe, so a predicate the server cannot run fails the check, before anything is written.</summary>
    private async Task<(List<string> Columns, List<string> Types)> ProbeAsync(
        NpgsqlConnection connection, PostgresCollectionOptions options, string from, CancellationToken cancellationToken)
    {
        await using var probe = new NpgsqlCommand($"SELECT src.* FROM {from} WHERE TRUE{CollectionSql.Where(options)} LIMIT 0", connection);
        await using var reader = await ExecuteAsync(probe, options.Name, cancellationToken);
        return (Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList(), Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName).ToList());
    }

    private async Task<CollectionShape> ShapeAsync(NpgsqlConnection connection, PostgresCollectionOptions options, CancellationToken cancellationToken)
    {
        if (!_shapes.TryGetValue(options.Name, out var shape))
        {
            shape = await DescribeAsync(connection, options, cancellationToken);
            _shapes[options.Name] = shape;
        }

        return shape;
    }

    /// <summary>The conditions after the key conditions: "where", shard, and the backfill's range when reading one.</summary>
    private string Filters(PostgresCollectionOptions options, CollectionShape shape, BackfillRange? backfill, NpgsqlCommand command)
    {
        var sql = CollectionSql.Where(options) + CollectionSql.Shard(options.Mapping.Key, _shard);
        if (backfill is not null)
        {
            var column = options.Watermark
                ?? throw ErrorFactory.Source(Name, options.Name, "the snapshot is in the middle of a backfill by a watermark, but the config names no \"watermark\" for this collection. Restore the watermark setting to resume.");
            sql += CollectionSql.Range(column, shape.WatermarkType!, backfill.Above, backfill.UpTo, command);
        }

        return sql;
    }

    private async Task<NpgsqlConnection> OpenAsync(string? collection, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_options.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync();
            throw PostgresErrors.Translate(ex, Name, collection, _options.ConnectionString);
        }
    }

    private async Task<NpgsqlDataReader> ExecuteAsync(NpgsqlCommand command, string collection, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw PostgresErrors.Translate(ex, Name, collection, _options.ConnectionString);
        }
    }

    private async Task<bool> ReadAsync(DbDataReader reader, string collection, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw PostgresErrors.Translate(ex, Name, collection, _options.ConnectionString);
        }
    }

    private async Task<object?> RunScalarAsync(NpgsqlCommand command, string collection, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw PostgresErrors.Translate(ex, Name, collection, _options.ConnectionString);
        }
    }

    private PostgresCollectionOptions Find(string collection)
        => _options.Collections.FirstOrDefault(c => c.Name == collection)
            ?? throw new ArgumentException($"Source '{Name}' has no collection '{collection}'.", nameof(collection));

    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static string QuoteQualified(string table) => string.Join('.', table.Split('.').Select(Quote));

    /// <summary>Type names come from the server, but the cursor passes through the manifest: allow only type-name characters in SQL.</summary>
    private static string SafeTypeName(string type)
        => type.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '_' or '(' or ')' or ',' or '[' or ']' or '.' or '"') ? type : "text";

    /// <summary>Types read as strings directly: GetValue would return the same string by a slower, type-dispatching path.</summary>
    private static bool IsTextType(string type) => type is "text" || type.StartsWith("character varying", StringComparison.Ordinal);

    private sealed record CollectionShape(
        string From, IReadOnlyList<string> Columns, Dictionary<string, int> Index, ColumnReading[] Readings, bool[] IsText, string[] KeyTypes, string? WatermarkType);
}
