using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using EngramBulkLoad.Sources.Mapping;
using StackExchange.Redis;

namespace EngramBulkLoad.Sources.Redis;

/// <summary>
/// Turns a key's value into the fields the mapping sees (see <see cref="RedisPatternOptions"/>). Every
/// name and value must be UTF-8 text; the first one that is not is reported, and the key becomes a reject.
/// A JSON object string, a hash and a stream entry give their fields; their "@value" (the JSON text, or
/// "field: value" lines) is added only when the mapping's text uses it, so metadata does not hold it twice.
/// </summary>
internal sealed class KeyRows(int database, bool valueInText)
{
    private readonly List<string> _names = [];
    private readonly List<object?> _values = [];

    /// <summary>The key's row; null with <paramref name="problem"/> when a name or value is binary.</summary>
    public FieldRow? Row(KeyRead key, out string? problem)
    {
        Start(key);
        problem = key.Value switch
        {
            RedisValue text => AddString(text),
            HashEntry[] fields => AddHash(fields),
            SortedSetEntry[] scored => AddSortedSet(scored),
            RedisValue[] items => AddItems(items, sort: key.Type == RedisType.Set),
            _ => $"it has type {key.Type}, which this source does not read (strings, hashes, lists, sets, sorted sets and streams)",
        };
        return problem is null ? Build() : null;
    }

    /// <summary>The row of one stream entry; its id is the stream's id and the entry id, its time the entry id's milliseconds.</summary>
    public FieldRow? EntryRow(KeyRead key, StreamEntry entry, out string? problem)
    {
        Start(key, $"{key.Id}/{entry.Id}");
        var entryId = entry.Id.ToString();
        Add("@entry", entryId);
        if (long.TryParse(entryId.AsSpan(0, Math.Max(0, entryId.IndexOf('-', StringComparison.Ordinal))), NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            Add("@time", DateTimeOffset.FromUnixTimeMilliseconds(ms));
        }

        problem = AddPairs(entry.Values.Select(v => (v.Name, v.Value)), sort: false);
        return problem is null ? Build() : null;
    }

    /// <summary>A key name as text, or null when it is not UTF-8.</summary>
    public static string? NameOf(RedisKey key)
    {
        byte[]? bytes = key;
        return bytes is not null && Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;
    }

    private void Start(KeyRead key, string? id = null)
    {
        _names.Clear();
        _values.Clear();
        Add("@key", key.Name);
        Add("@id", id ?? key.Id);
        Add("@type", TypeName(key.Type));
        Add("@db", (long)database);
        if (key.ExpiresAt is { } expires)
        {
            Add("@expires_at", new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)));
        }
    }

    private string? AddString(RedisValue value)
    {
        if (!TryText(value, out var text))
        {
            return $"its value is binary ({((byte[])value!).Length:N0} bytes that are not UTF-8 text), which cannot become text";
        }

        if (text.Length > 1 && text[0] == '{' && TryJsonObject(text, out var root))
        {
            if (valueInText)
            {
                Add("@value", text);
            }

            foreach (var property in root.EnumerateObject())
            {
                Add(property.Name, property.Value);
            }

            return null;
        }

        Add("@value", text);
        return null;
    }

    private string? AddHash(HashEntry[] fields) => AddPairs(fields.Select(f => (f.Name, f.Value)), sort: true);

    private string? AddPairs(IEnumerable<(RedisValue Name, RedisValue Value)> pairs, bool sort)
    {
        var texts = new List<(string Name, string Value)>();
        foreach (var (name, value) in pairs)
        {
            if (!TryText(name, out var nameText))
            {
                return "a field name is binary (not UTF-8 text)";
            }

            if (!TryText(value, out var valueText))
            {
                return $"field '{nameText}' holds binary data ({((byte[])value!).Length:N0} bytes that are not UTF-8 text), which cannot become text";
            }

            texts.Add((nameText, valueText));
        }

        if (sort)
        {
            // HGETALL's order is the server's internal one; sorted fields make the content and metadata stable.
            texts.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }

        if (valueInText)
        {
            Add("@value", string.Join("\n", texts.Select(t => $"{t.Name}: {t.Value}")));
        }

        foreach (var (name, value) in texts)
        {
            Add(name, value);
        }

        return null;
    }

    private string? AddItems(RedisValue[] items, bool sort)
    {
        var texts = new List<string>(items.Length);
        foreach (var item in items)
        {
            if (!TryText(item, out var text))
            {
                return $"element {texts.Count} is binary ({((byte[])item!).Length:N0} bytes that are not UTF-8 text), which cannot become text";
            }

            texts.Add(text);
        }

        if (sort)
        {
            // SMEMBERS has no order; sorted members make the content stable.
            texts.Sort(StringComparer.Ordinal);
        }

        Add("@value", string.Join("\n", texts));
        Add("@length", (long)texts.Count);
        return null;
    }

    private string? AddSortedSet(SortedSetEntry[] scored)
    {
        var lines = new List<string>(scored.Length);
        foreach (var entry in scored)
        {
            if (!TryText(entry.Element, out var member))
            {
                return $"member {lines.Count} is binary (not UTF-8 text), which cannot become text";
            }

            lines.Add($"{member} ({entry.Score.ToString("R", CultureInfo.InvariantCulture)})");
        }

        Add("@value", string.Join("\n", lines));
        Add("@length", (long)lines.Count);
        return null;
    }

    private static bool TryJsonObject(string text, out JsonElement root)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            // Text that merely starts with a brace is plain text.
            root = default;
            return false;
        }
    }

    private static bool TryText(RedisValue value, out string text)
    {
        byte[]? bytes = value;
        if (bytes is null || !Utf8.IsValid(bytes))
        {
            text = string.Empty;
            return bytes is null;
        }

        text = Encoding.UTF8.GetString(bytes);
        return true;
    }

    private static string TypeName(RedisType type) => type switch
    {
        RedisType.String => "string",
        RedisType.Hash => "hash",
        RedisType.List => "list",
        RedisType.Set => "set",
        RedisType.SortedSet => "zset",
        RedisType.Stream => "stream",
        _ => type.ToString().ToLowerInvariant(),
    };

    private void Add(string name, object? value)
    {
        _names.Add(name);
        _values.Add(value);
    }

    private FieldRow Build()
    {
        var names = _names.ToArray();
        return new FieldRow(names, FieldRow.IndexOf(names), [.. _values]);
    }
}
