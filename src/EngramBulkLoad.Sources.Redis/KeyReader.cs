using StackExchange.Redis;

namespace EngramBulkLoad.Sources.Redis;

/// <summary>
/// Reads the keys of one SCAN reply in two pipelined rounds: TYPE, PTTL and PEXPIRETIME of every key, then
/// each key's value by its type (GET, HGETALL, LRANGE, SMEMBERS, ZRANGE WITHSCORES). StackExchange.Redis
/// pipelines commands issued without awaiting each, so a round costs one network round trip. A key that
/// changed type between the rounds (WRONGTYPE) or vanished is read again alone, a few times, before it is
/// given up as vanished.
/// </summary>
internal static class KeyReader
{
    private const int Attempts = 3;
    private static readonly object Retyped = new();

    public static async Task ReadAsync(IDatabase database, IReadOnlyList<KeyRead> keys, Func<Task>? betweenRounds, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }

        var types = new Task<RedisType>[keys.Count];
        var ttls = new Task<TimeSpan?>[keys.Count];
        var expiries = new Task<DateTime?>[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            types[i] = database.KeyTypeAsync(keys[i].Key);
            ttls[i] = database.KeyTimeToLiveAsync(keys[i].Key);
            expiries[i] = database.KeyExpireTimeAsync(keys[i].Key);
        }

        await Task.WhenAll(Task.WhenAll(types), Task.WhenAll(ttls), Task.WhenAll(expiries)).WaitAsync(cancellationToken);
        if (betweenRounds is not null)
        {
            await betweenRounds();
        }

        var values = new Task<object?>[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            keys[i].Type = types[i].Result;
            keys[i].Ttl = ttls[i].Result;
            keys[i].ExpiresAt = expiries[i].Result;
            values[i] = ValueAsync(database, keys[i].Type, keys[i].Key);
        }

        await Task.WhenAll(values).WaitAsync(cancellationToken);
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            var value = values[i].Result;
            if (key.Type is RedisType.Stream or RedisType.Unknown)
            {
                continue;
            }

            if (value is not null && !ReferenceEquals(value, Retyped))
            {
                key.Value = value;
                continue;
            }

            await RereadAsync(database, key, cancellationToken);
        }
    }

    /// <summary>A key whose value read found nothing or another type: read its type and value again, alone.</summary>
    private static async Task RereadAsync(IDatabase database, KeyRead key, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            key.Type = await database.KeyTypeAsync(key.Key).WaitAsync(cancellationToken);
            if (key.Type == RedisType.None)
            {
                key.Vanished = "it was listed by SCAN but had expired or been deleted when it was read";
                return;
            }

            if (key.Type is RedisType.Stream or RedisType.Unknown)
            {
                return;
            }

            key.Ttl = await database.KeyTimeToLiveAsync(key.Key).WaitAsync(cancellationToken);
            key.ExpiresAt = await database.KeyExpireTimeAsync(key.Key).WaitAsync(cancellationToken);
            var value = await ValueAsync(database, key.Type, key.Key).WaitAsync(cancellationToken);
            if (value is not null && !ReferenceEquals(value, Retyped))
            {
                key.Value = value;
                return;
            }
        }

        key.Vanished = $"it changed type or vanished on each of {Attempts} reads";
    }

    private static async Task<object?> ValueAsync(IDatabase database, RedisType type, RedisKey key)
    {
        try
        {
            // Redis deletes a hash, list, set or sorted set when its last element goes, so an empty answer means the key is gone.
            return type switch
            {
                RedisType.String => await database.StringGetAsync(key) is { IsNull: false } text ? (object)text : null,
                RedisType.Hash => await database.HashGetAllAsync(key) is { Length: > 0 } fields ? (object)fields : null,
                RedisType.List => await database.ListRangeAsync(key) is { Length: > 0 } items ? (object)items : null,
                RedisType.Set => await database.SetMembersAsync(key) is { Length: > 0 } members ? (object)members : null,
                RedisType.SortedSet => await database.SortedSetRangeByRankWithScoresAsync(key) is { Length: > 0 } scored ? (object)scored : null,
                _ => null,
            };
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return Retyped;
        }
    }
}
