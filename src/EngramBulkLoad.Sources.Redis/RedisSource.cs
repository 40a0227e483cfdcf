using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Mapping;
using StackExchange.Redis;

namespace EngramBulkLoad.Sources.Redis;

/// <summary>
/// Reads each key pattern with SCAN (MATCH, COUNT hint) and the keys of every reply in pipelined batches
/// (<see cref="KeyReader"/>); streams are paged with XRANGE, each entry an item of its own. One key is one
/// item (a record or a reject), except a stream, which is one item per entry.
/// <para>
/// What a SCAN of a live Redis guarantees, and what this source adds: a key present from the start to the
/// end of the scan is returned at least once; a key added or deleted meanwhile may or may not be; a key may
/// be returned more than once (when the keyspace is rehashed). This source keeps the memory ids it has
/// produced, so a key is never staged twice within a run, and across a resume the extract stage hands back
/// the ids already staged (<see cref="IRepeatingSource"/>). A key deleted or expired between SCAN and the read
/// is a reject ("vanished"), so the counts still reconcile; a key whose type changed is read again as its new
/// type. Values are read per key, not as one point-in-time snapshot of the whole database.
/// </para>
/// </summary>
internal sealed class RedisSource : IRecordSource, IRepeatingSource
{
    private readonly RedisSourceOptions _options;
    private readonly JsonElement _section;
    private readonly ShardSpec _shard;
    private readonly Dictionary<string, MemoryIdSet> _alreadyRead = new(StringComparer.Ordinal);
    private ConnectionMultiplexer? _connection;

    /// <summary>Tests only: runs after each SCAN reply, before its keys are read, to change the keyspace in between.</summary>
    internal Func<IReadOnlyList<RedisKey>, Task>? AfterScan { get; set; }

    /// <summary>Tests only: runs between the TYPE round and the value round of each reply.</summary>
    internal Func<Task>? BetweenRounds { get; set; }

    public RedisSource(string name, RedisSourceOptions options, JsonElement section, ShardSpec shard)
    {
        Name = name;
        _options = options;
        _section = section;
        _shard = shard;
        Collections = options.Patterns.Select(p => p.Collection).ToList();
    }

    public string Name { get; }

    public string Kind => "redis";

    public IReadOnlyList<string> Collections { get; }

    public JsonObject DescribeSettings() => SourceSettings.WithShard(SourceSettings.Redact(_section), _shard);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(null, cancellationToken);
        foreach (var pattern in _options.Patterns)
        {
            try
            {
                var server = connection.GetServer(connection.GetEndPoints()[0]);
                if (server.ServerType == ServerType.Cluster)
                {
                    throw ErrorFactory.Source(Name, pattern.Collection,
                        $"Redis at {_options.Host}:{_options.Port} is a cluster node; this source scans one instance. Give each primary its own source (SCAN on a node lists that node's keys).");
                }

                if (!pattern.AllowEmpty && !await AnyKeyAsync(connection.GetDatabase(pattern.Database), pattern, cancellationToken))
                {
                    throw ErrorFactory.Source(Name, pattern.Collection,
                        $"no key in database {pattern.Database} matches '{pattern.Match}'. Check the pattern and \"database\", or set \"allowEmpty\": true if an empty match is expected.");
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw RedisErrors.Translate(ex, Name, pattern.Collection, _options);
            }
        }
    }

    public async Task<long?> EstimateCountAsync(string collection, CancellationToken cancellationToken)
    {
        // DBSIZE counts every key of the database, not only the pattern's: an upper bound, good enough for progress.
        var pattern = Find(collection);
        var connection = await ConnectAsync(collection, cancellationToken);
        var size = await connection.GetServer(connection.GetEndPoints()[0]).DatabaseSizeAsync(pattern.Database).WaitAsync(cancellationToken);
        return size / _shard.Count;
    }

    public void AlreadyRead(string collection, MemoryIdSet memoryIds) => _alreadyRead[collection] = memoryIds;

    public async IAsyncEnumerable<SourceItem> ReadAsync(string collection, string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pattern = Find(collection);
        if (KeyPosition.Parse(cursor) is not { } start)
        {
            yield break;
        }

        var seen = _alreadyRead.Remove(collection, out var read) ? read : new MemoryIdSet();
        var database = (await ConnectAsync(collection, cancellationToken)).GetDatabase(pattern.Database);
        var mapper = new RecordMapper(Kind, Name, collection, pattern.Mapping);
        var rows = new KeyRows(pattern.Database, pattern.Mapping.TextFields.Contains("@value"));
        var scan = start;
        do
        {
            var (next, keys) = await ScanAsync(database, pattern, scan, collection, cancellationToken);
            if (AfterScan is { } afterScan)
            {
                await afterScan(keys);
            }

            var batch = new List<KeyRead>(keys.Length);
            var rejects = new List<SourceItem>();
            foreach (var key in keys)
            {
                var name = KeyRows.NameOf(key);
                var id = name is null ? "base64:" + Convert.ToBase64String((byte[])key!) : pattern.Pattern.IdOf(name);
                var memoryId = mapper.MemoryIdOf(id);
                if (!_shard.Includes(id) || seen.Contains(memoryId))
                {
                    continue; // Another shard's key, or one SCAN returned again.
                }

                if (name is null)
                {
                    seen.Add(memoryId);
                    rejects.Add(mapper.Reject(new KeyPosition(next, $"db {pattern.Database} key {id}"), id, memoryId, RejectCodes.NotText,
                        "the key name is binary (not UTF-8 text), so it cannot be a record id. Rename the key, or narrow the match to text keys."));
                    continue;
                }

                batch.Add(new KeyRead(key, name, id, memoryId));
            }

            foreach (var reject in rejects)
            {
                yield return reject;
            }

            await ReadAsync(database, batch, collection, cancellationToken);
            foreach (var key in batch)
            {
                var position = new KeyPosition(next, $"db {pattern.Database} key '{key.Name}'");
                if (key.Type == RedisType.Stream && key.Vanished is null)
                {
                    await foreach (var entry in ReadStreamAsync(database, pattern, key, rows, mapper, next, seen, cancellationToken))
                    {
                        yield return entry;
                    }

                    continue;
                }

                seen.Add(key.MemoryId);
                if (Item(pattern, key, rows, mapper, position) is { } item)
                {
                    yield return item;
                }
            }

            scan = next;
        }
        while (scan != 0);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    private SourceItem? Item(RedisPatternOptions pattern, KeyRead key, KeyRows rows, RecordMapper mapper, SourcePosition position)
    {
        if (key.Vanished is { } why)
        {
            return mapper.Reject(position, key.Id, key.MemoryId, RejectCodes.Vanished,
                $"key '{key.Name}': {why}. A live keyspace changes during a scan; nothing was staged for it.");
        }

        if (rows.Row(key, out var problem) is not { } row)
        {
            return mapper.Reject(position, key.Id, key.MemoryId, key.Value is null ? RejectCodes.UnsupportedType : RejectCodes.NotText,
                $"key '{key.Name}': {problem}. Narrow the match to keys holding text, or store the data as text.");
        }

        return Mapped(pattern, key, row, mapper, position);
    }

    private static SourceItem? Mapped(RedisPatternOptions pattern, KeyRead key, FieldRow row, RecordMapper mapper, SourcePosition position)
    {
        if (pattern.Where is { } where && !where.Matches(row))
        {
            return null;
        }

        var item = mapper.Map(row, position);
        if (item.Record is not { } record || key.Ttl is not { } ttl)
        {
            return item;
        }

        // The remaining time to live, rounded up: a key with 300 ms left still has a TTL, not none.
        return SourceItem.ForRecord(position, record with { TtlSeconds = (long)Math.Ceiling(ttl.TotalSeconds) }, item.Edges);
    }

    private async IAsyncEnumerable<SourceItem> ReadStreamAsync(
        IDatabase database, RedisPatternOptions pattern, KeyRead key, KeyRows rows, RecordMapper mapper, ulong next, MemoryIdSet seen,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RedisValue from = "-";
        while (true)
        {
            StreamEntry[] entries;
            try
            {
                entries = await database.StreamRangeAsync(key.Key, from, "+", _options.StreamPage).WaitAsync(cancellationToken);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
            {
                entries = []; // Replaced by another type while paged: the entries read so far stand; the rest is gone.
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw RedisErrors.Translate(ex, Name, pattern.Collection, _options);
            }

            foreach (var entry in entries)
            {
                var position = new KeyPosition(next, $"db {pattern.Database} key '{key.Name}' entry {entry.Id}");
                var id = $"{key.Id}/{entry.Id}";
                var memoryId = mapper.MemoryIdOf(id);
                if (!seen.Add(memoryId))
                {
                    continue;
                }

                var item = rows.EntryRow(key, entry, out var problem) is { } row
                    ? Mapped(pattern, key, row, mapper, position)
                    : mapper.Reject(position, id, memoryId, RejectCodes.NotText, $"key '{key.Name}' entry {entry.Id}: {problem}. Store the entry's fields as text.");
                if (item is not null)
                {
                    yield return item;
                }
            }

            if (entries.Length < _options.StreamPage)
            {
                yield break;
            }

            from = "(" + entries[^1].Id; // Exclusive start (Redis 6.2 and later): the page after the last entry read.
        }
    }

    private async Task<(ulong Next, RedisKey[] Keys)> ScanAsync(IDatabase database, RedisPatternOptions pattern, ulong cursor, string collection, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await database.ExecuteAsync("SCAN", cursor, "MATCH", pattern.Match, "COUNT", _options.ScanCount).WaitAsync(cancellationToken);
            var parts = (RedisResult[])reply!;
            return ((ulong)parts[0], (RedisKey[])parts[1]!);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisErrors.Translate(ex, Name, collection, _options);
        }
    }

    private async Task ReadAsync(IDatabase database, List<KeyRead> batch, string collection, CancellationToken cancellationToken)
    {
        try
        {
            await KeyReader.ReadAsync(database, batch, BetweenRounds, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisErrors.Translate(ex, Name, collection, _options);
        }
    }

    private async Task<bool> AnyKeyAsync(IDatabase database, RedisPatternOptions pattern, CancellationToken cancellationToken)
    {
        ulong cursor = 0;
        do
        {
            var (next, keys) = await ScanAsync(database, pattern, cursor, pattern.Collection, cancellationToken);
            if (keys.Length > 0)
            {
                return true;
            }

            cursor = next;
        }
        while (cursor != 0);
        return false;
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(string? collection, CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var configuration = new ConfigurationOptions
        {
            EndPoints = { { _options.Host, _options.Port } },
            User = _options.User,
            Password = _options.Password,
            Ssl = _options.Tls,
            SslHost = _options.Tls ? _options.Host : null,
            ConnectTimeout = _options.TimeoutMs,
            SyncTimeout = _options.TimeoutMs,
            AsyncTimeout = _options.TimeoutMs,
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ClientName = "engram-bulkload",
        };
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(configuration).WaitAsync(cancellationToken);
            try
            {
                await CheckUserAsync(connection, collection, cancellationToken);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }

            _connection = connection;
            return _connection;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisErrors.Translate(ex, Name, collection, _options);
        }
    }

    /// <summary>
    /// Redis answers a refused AUTH with an error but keeps the connection, as the default user; where that user
    /// needs no password, every command would then run as it. So a configured user must be the one connected.
    /// </summary>
    private async Task CheckUserAsync(ConnectionMultiplexer connection, string? collection, CancellationToken cancellationToken)
    {
        if (_options.User is not { } user)
        {
            return;
        }

        var whoami = (string?)await connection.GetDatabase().ExecuteAsync("ACL", "WHOAMI").WaitAsync(cancellationToken);
        if (!string.Equals(whoami, user, StringComparison.Ordinal))
        {
            throw ErrorFactory.Source(Name, collection,
                $"Redis at {_options.Host}:{_options.Port} refused user '{user}' (wrong user name or password, or the user is disabled) and left the connection as user '{whoami}'. Check \"user\" and \"password\" (e.g. \"${{REDIS_PASSWORD}}\").");
        }
    }

    private RedisPatternOptions Find(string collection)
        => _options.Patterns.FirstOrDefault(p => p.Collection == collection)
            ?? throw new ArgumentException($"Source '{Name}' has no collection '{collection}'.", nameof(collection));
}
