using System.Globalization;
using System.Text.Json;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>One stored document: its _id, its _source as sent, and the parsed source for queries.</summary>
public sealed record EsDocument(string Id, byte[] Source, JsonElement Parsed);

/// <summary>
/// An index: its mapping (leaf field paths to types; explicit, or grown by dynamic mapping as documents
/// arrive) and its documents in the order they were indexed. Writes replace the document list, so a
/// point in time that captured the old list keeps seeing the data as it was when opened.
/// </summary>
public sealed class EsIndex
{
    private readonly object _gate = new();
    private readonly Dictionary<string, FieldType> _mapping = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keywordSubFields = new(StringComparer.Ordinal);
    private readonly List<EsDocument> _list = [];
    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private EsDocument[]? _snapshot = [];

    internal EsIndex(string name)
    {
        Name = name;
        Uuid = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The index's name.</summary>
    public string Name { get; }

    /// <summary>Its uuid, as error bodies and PIT ids carry it.</summary>
    public string Uuid { get; }

    /// <summary>The documents now, in indexing order: a snapshot array that later writes do not change (a point in time keeps it).</summary>
    public EsDocument[] Documents
    {
        get
        {
            lock (_gate)
            {
                return _snapshot ??= [.. _list];
            }
        }
    }

    /// <summary>Maps a field explicitly (as "mappings.properties" would); "keyword" sub-field with <paramref name="keywordSubField"/>.</summary>
    public void Map(string path, FieldType type, bool keywordSubField = false)
    {
        lock (_gate)
        {
            _mapping[path] = type;
            if (keywordSubField)
            {
                _keywordSubFields.Add(path);
            }
        }
    }

    /// <summary>Indexes (or replaces) a document; new fields are mapped dynamically.</summary>
    public void Index(string id, string json)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        using var parsed = JsonDocument.Parse(bytes);
        if (parsed.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("a document is a JSON object", nameof(json));
        }

        var document = new EsDocument(id, bytes, parsed.RootElement.Clone());
        lock (_gate)
        {
            MapDynamically(parsed.RootElement, null);
            // An update marks the old copy deleted and adds the new one at the end, as Lucene does.
            RemoveLocked(id);
            // Every write of an _id, a delete included, raises its version (reference "Index API": _version).
            _versions[id] = _versions.GetValueOrDefault(id) + 1;
            _positions[id] = _list.Count;
            _list.Add(document);
            _snapshot = null;
        }
    }

    /// <summary>Deletes a document; false when there was none.</summary>
    public bool Delete(string id)
    {
        lock (_gate)
        {
            var removed = RemoveLocked(id);
            if (removed)
            {
                _versions[id] += 1;
            }

            return removed;
        }
    }

    /// <summary>Whether a document with this _id exists now.</summary>
    public bool Contains(string id)
    {
        lock (_gate)
        {
            return _positions.ContainsKey(id);
        }
    }

    /// <summary>The _id's version: how many times it was written or deleted (0: never).</summary>
    public long Version(string id)
    {
        lock (_gate)
        {
            return _versions.GetValueOrDefault(id);
        }
    }

    private bool RemoveLocked(string id)
    {
        if (!_positions.Remove(id, out var position))
        {
            return false;
        }

        _list.RemoveAt(position);
        for (var i = position; i < _list.Count; i++)
        {
            _positions[_list[i].Id] = i;
        }

        _snapshot = null;
        return true;
    }

    /// <summary>The mapped type of a field path, resolving "path.keyword" sub-fields; null when unmapped.</summary>
    public FieldType? TypeOf(string field)
    {
        lock (_gate)
        {
            if (_mapping.TryGetValue(field, out var type))
            {
                return type;
            }

            if (field.EndsWith(".keyword", StringComparison.Ordinal) && _keywordSubFields.Contains(field[..^".keyword".Length]))
            {
                return FieldType.Keyword;
            }

            return null;
        }
    }

    /// <summary>The source path a field reads (a "keyword" sub-field reads its parent's value).</summary>
    public string SourcePathOf(string field)
    {
        lock (_gate)
        {
            return !_mapping.ContainsKey(field) && field.EndsWith(".keyword", StringComparison.Ordinal) && _keywordSubFields.Contains(field[..^".keyword".Length])
                ? field[..^".keyword".Length]
                : field;
        }
    }

    private void MapDynamically(JsonElement element, string? prefix)
    {
        foreach (var property in element.EnumerateObject())
        {
            var path = prefix is null ? property.Name : $"{prefix}.{property.Name}";
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Array)
            {
                // An array's field type is that of its first non-null value (reference "Arrays").
                value = value.EnumerateArray().FirstOrDefault(v => v.ValueKind != JsonValueKind.Null);
            }

            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    MapDynamically(value, path);
                    break;
                case JsonValueKind.String when !_mapping.ContainsKey(path):
                    if (IsDate(value.GetString()!))
                    {
                        _mapping[path] = FieldType.Date;
                    }
                    else
                    {
                        _mapping[path] = FieldType.Text;
                        _keywordSubFields.Add(path);
                    }

                    break;
                case JsonValueKind.Number when !_mapping.ContainsKey(path):
                    _mapping[path] = value.TryGetInt64(out _) ? FieldType.Long : FieldType.Float;
                    break;
                case JsonValueKind.True or JsonValueKind.False when !_mapping.ContainsKey(path):
                    _mapping[path] = FieldType.Boolean;
                    break;
            }
        }
    }

    /// <summary>Date detection's default format, strict_date_optional_time: yyyy-MM-dd with an optional time and zone.</summary>
    internal static bool IsDate(string text)
        => text.Length >= 10 && char.IsAsciiDigit(text[0]) && text[4] == '-' && text[7] == '-'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    /// <summary>A date value as epoch milliseconds: a date string, or a number taken as epoch_millis (the default format's second half).</summary>
    internal static bool TryEpochMillis(JsonElement value, out long millis)
    {
        millis = 0;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out millis))
        {
            return true;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out millis))
            {
                return true;
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                millis = date.ToUnixTimeMilliseconds();
                return true;
            }
        }

        return false;
    }
}
