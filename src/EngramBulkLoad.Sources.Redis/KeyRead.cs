using StackExchange.Redis;

namespace EngramBulkLoad.Sources.Redis;

/// <summary>One key of a SCAN reply as read: its type, time to live and value (streams are paged separately).</summary>
internal sealed class KeyRead(RedisKey key, string name, string id, string memoryId)
{
    public RedisKey Key { get; } = key;

    /// <summary>The key as text.</summary>
    public string Name { get; } = name;

    /// <summary>The record id: the key, or the part the pattern captured.</summary>
    public string Id { get; } = id;

    public string MemoryId { get; } = memoryId;

    public RedisType Type { get; set; }

    /// <summary>Remaining time to live; null when the key has none.</summary>
    public TimeSpan? Ttl { get; set; }

    /// <summary>When the key expires (PEXPIRETIME, so two reads of an unchanged key agree); null when it has no TTL.</summary>
    public DateTime? ExpiresAt { get; set; }

    /// <summary>RedisValue (string), HashEntry[], RedisValue[] (list, set) or SortedSetEntry[]; null for a stream or when vanished.</summary>
    public object? Value { get; set; }

    /// <summary>Why the key could not be read (expired or deleted between SCAN and the read, or changing type); null when read.</summary>
    public string? Vanished { get; set; }
}
