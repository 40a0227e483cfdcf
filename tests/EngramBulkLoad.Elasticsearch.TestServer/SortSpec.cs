using System.Text.Json;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// One sort clause (reference "Sort search results"): a field of the mapping, or _index, _doc, _shard_doc,
/// _score, ascending or descending; documents without a value sort last either way (missing: _last).
/// A text field cannot be sorted (fielddata is disabled), and an unmapped one is refused, as the server refuses them.
/// </summary>
public sealed class SortSpec
{
    private SortSpec(string field, bool descending)
    {
        Field = field;
        Descending = descending;
    }

    /// <summary>The field sorted on.</summary>
    public string Field { get; }

    /// <summary>True for "desc".</summary>
    public bool Descending { get; }

    /// <summary>Reads the "sort" of a request body.</summary>
    public static List<SortSpec> Parse(JsonElement? sort)
    {
        if (sort is not { } value)
        {
            return [];
        }

        var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
        var specs = new List<SortSpec>();
        foreach (var item in items)
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.String:
                    specs.Add(new SortSpec(item.GetString()!, item.GetString() == "_score"));
                    break;
                case JsonValueKind.Object:
                    foreach (var property in item.EnumerateObject())
                    {
                        var order = property.Value.ValueKind switch
                        {
                            JsonValueKind.String => property.Value.GetString(),
                            JsonValueKind.Object when property.Value.TryGetProperty("order", out var o) => o.GetString(),
                            JsonValueKind.Object => property.Name == "_score" ? "desc" : "asc",
                            _ => throw EsError.Parsing($"[{property.Name}] sort must be an object or a string"),
                        };
                        if (order is not ("asc" or "desc"))
                        {
                            throw EsError.IllegalArgument($"Unknown SortOrder [{order}]");
                        }

                        specs.Add(new SortSpec(property.Name, order == "desc"));
                    }

                    break;
                default:
                    throw EsError.Parsing("malformed sort format, within the sort array, an object, or an actual string are allowed");
            }
        }

        return specs;
    }

    /// <summary>Refuses sorts the indexes of a search cannot run.</summary>
    public void Validate(IReadOnlyList<EsIndex> indexes, bool withPit)
    {
        switch (Field)
        {
            case "_shard_doc" when !withPit:
                throw EsError.IllegalArgument("[_shard_doc] sort field cannot be used without [point in time]");
            case "_shard_doc" or "_index" or "_doc" or "_score":
                return;
        }

        var types = indexes.Select(i => i.TypeOf(Field)).Where(t => t is not null).ToList();
        if (types.Count == 0 && indexes.Count > 0)
        {
            throw new EsError(400, "query_shard_exception", $"No mapping found for [{Field}] in order to sort on", new Dictionary<string, object?> { ["index"] = indexes[0].Name, ["index_uuid"] = indexes[0].Uuid });
        }

        if (types.Contains(FieldType.Text))
        {
            // The message Elasticsearch gives for sorting on a text field (fielddata is disabled by default).
            throw EsError.IllegalArgument($"Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [{Field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.");
        }
    }

    /// <summary>The document's sort value: a long, double, string, or null when it has none.</summary>
    public object? ValueOf(Candidate candidate)
    {
        switch (Field)
        {
            case "_shard_doc":
                // The shard's ordinal in the point in time in the high bits, the document's id in the low ones (PR #66093).
                return ((long)candidate.Shard << 32) | (uint)candidate.DocId;
            case "_doc":
                return (long)candidate.DocId;
            case "_index":
                return candidate.Index.Name;
            case "_score":
                return 1.0;
        }

        var values = QueryEngine.Values(candidate, Field).ToList();
        if (values.Count == 0)
        {
            return null;
        }

        // For several values, ascending sorts take the smallest and descending the largest (mode min / max).
        var keys = values.Select(v => Key(candidate.Index.TypeOf(Field), v)).Where(k => k is not null).ToList();
        return keys.Count == 0 ? null : Descending ? keys.Max(Comparer<object?>.Create(CompareKeys)) : keys.Min(Comparer<object?>.Create(CompareKeys));
    }

    /// <summary>A search_after value in the form <see cref="ValueOf"/> gives.</summary>
    public object? AfterValue(JsonElement value, IReadOnlyList<EsIndex> indexes)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var type = Field switch
        {
            "_shard_doc" or "_doc" => FieldType.Long,
            "_index" => FieldType.Keyword,
            "_score" => FieldType.Float,
            _ => indexes.Select(i => i.TypeOf(Field)).FirstOrDefault(t => t is not null),
        };
        return Key(type, value) ?? throw EsError.IllegalArgument($"Failed to parse search_after value for field [{Field}].");
    }

    /// <summary>Compares two sort values in this clause's order; a missing value (null) is last either way.</summary>
    public int Compare(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return a is null ? b is null ? 0 : 1 : -1;
        }

        var order = CompareKeys(a, b);
        return Descending ? -order : order;
    }

    private static object? Key(FieldType? type, JsonElement value) => type switch
    {
        FieldType.Long => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var l) ? l
            : value.ValueKind == JsonValueKind.Number ? (long)value.GetDouble()
            : long.TryParse(value.GetString(), out var s) ? s : null,
        FieldType.Float => value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : null,
        FieldType.Date => EsIndex.TryEpochMillis(value, out var millis) ? millis : null,
        FieldType.Boolean => value.ValueKind switch { JsonValueKind.True => 1L, JsonValueKind.False => 0L, _ => null },
        _ => value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(),
    };

    private static int CompareKeys(object? a, object? b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (double x, double y) => x.CompareTo(y),
        (long x, double y) => ((double)x).CompareTo(y),
        (double x, long y) => x.CompareTo(y),
        (string x, string y) => string.CompareOrdinal(x, y),
        _ => string.CompareOrdinal(a?.ToString(), b?.ToString()),
    };
}
