using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>The server's indexes and open points in time.</summary>
public sealed class EsStore(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, EsIndex> _indexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PointInTime> _pits = new(StringComparer.Ordinal);
    private long _nextContext;

    /// <summary>Points in time open now (not closed, not expired).</summary>
    public int OpenPits => _pits.Values.Count(p => p.ExpiresAt > time.GetUtcNow());

    /// <summary>Creates an index (or returns the one of that name).</summary>
    public EsIndex CreateIndex(string name) => _indexes.GetOrAdd(name, n => new EsIndex(n));

    /// <summary>The index of that name, or null.</summary>
    public EsIndex? Find(string name) => _indexes.GetValueOrDefault(name);

    /// <summary>
    /// The indexes an expression names: comma-separated names and * patterns ("_all" and "*" are every index).
    /// A missing concrete name is index_not_found_exception; a pattern may match nothing (allow_no_indices defaults to true).
    /// </summary>
    public List<EsIndex> Resolve(string? expression)
    {
        if (string.IsNullOrEmpty(expression) || expression is "_all" or "*")
        {
            return [.. _indexes.Values.OrderBy(i => i.Name, StringComparer.Ordinal)];
        }

        var result = new List<EsIndex>();
        foreach (var part in expression.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Contains('*', StringComparison.Ordinal))
            {
                var regex = new System.Text.RegularExpressions.Regex("^" + string.Join(".*", part.Split('*').Select(System.Text.RegularExpressions.Regex.Escape)) + "$");
                result.AddRange(_indexes.Values.Where(i => regex.IsMatch(i.Name)).OrderBy(i => i.Name, StringComparer.Ordinal));
            }
            else
            {
                result.Add(Find(part) ?? throw EsError.IndexNotFound(part));
            }
        }

        return [.. result.Distinct()];
    }

    /// <summary>Opens a point in time over the indexes.</summary>
    public PointInTime OpenPit(IReadOnlyList<EsIndex> indexes, TimeSpan keepAlive)
    {
        var contextId = Interlocked.Increment(ref _nextContext);
        // Real ids are base64 of the shards' search context ids; opaque to the client either way.
        var id = Convert.ToBase64String([.. BitConverter.GetBytes(contextId), .. RandomNumberGenerator.GetBytes(24)]);
        var pit = new PointInTime(id, contextId, [.. indexes.Select(i => (i, i.Documents))], time.GetUtcNow() + keepAlive);
        _pits[id] = pit;
        return pit;
    }

    /// <summary>The live point in time with this id, extended by <paramref name="keepAlive"/>; a missing or expired one is search_context_missing_exception.</summary>
    public PointInTime UsePit(string id, TimeSpan? keepAlive)
    {
        if (!_pits.TryGetValue(id, out var pit) || pit.ExpiresAt <= time.GetUtcNow())
        {
            _pits.TryRemove(id, out _);
            throw EsError.PitMissing(pit?.ContextId ?? ContextOf(id));
        }

        if (keepAlive is { } extend)
        {
            pit.ExpiresAt = time.GetUtcNow() + extend;
        }

        return pit;
    }

    /// <summary>Closes a point in time; false when it was not open.</summary>
    public bool ClosePit(string id) => _pits.TryRemove(id, out var pit) && pit.ExpiresAt > time.GetUtcNow();

    /// <summary>Expires every open point in time now, as if their keep_alive had passed.</summary>
    public void ExpirePits() => _pits.Clear();

    /// <summary>Parses an Elasticsearch time unit ("5m", "30s", "100ms", "1h", "1d").</summary>
    public static TimeSpan ParseTime(string text, string parameter)
    {
        var unit = text.EndsWith("ms", StringComparison.Ordinal) ? "ms" : text.Length > 0 ? text[^1..] : string.Empty;
        if (!long.TryParse(text[..^unit.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || unit.Length == 0)
        {
            throw new EsError(400, "parse_exception", $"failed to parse setting [{parameter}] with value [{text}] as a time value: unit is missing or unrecognized");
        }

        return unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => throw new EsError(400, "parse_exception", $"failed to parse setting [{parameter}] with value [{text}] as a time value: unit is missing or unrecognized"),
        };
    }

    private static long ContextOf(string id)
    {
        try
        {
            var bytes = Convert.FromBase64String(id);
            return bytes.Length >= 8 ? BitConverter.ToInt64(bytes) : 0;
        }
        catch (FormatException)
        {
            return 0;
        }
    }
}
