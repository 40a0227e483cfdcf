using System.Globalization;
using System.Text.Json;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>A document of one index of a search: what queries, sorts and slices look at.</summary>
public readonly record struct Candidate(EsIndex Index, int Shard, int DocId, EsDocument Document);

/// <summary>
/// The query DSL this server runs for real over its documents (reference "Query DSL"): match_all, match_none,
/// bool (must, filter, should, must_not, minimum_should_match), term, terms, range, exists, ids, match and
/// prefix, on the fields of the mapping (text fields match by lowercase tokens, as the standard analyzer makes
/// them; keyword fields exactly) and on _id and _index. Any other query is refused as Elasticsearch refuses an
/// unknown one: 400 parsing_exception "unknown query [name]".
/// </summary>
public static class QueryEngine
{
    /// <summary>Compiles a query object; null matches everything.</summary>
    public static Func<Candidate, bool> Compile(JsonElement? query)
    {
        if (query is not { } q)
        {
            return _ => true;
        }

        if (q.ValueKind != JsonValueKind.Object)
        {
            throw EsError.Parsing("query malformed, must start with start_object");
        }

        var properties = q.EnumerateObject().ToList();
        if (properties.Count != 1)
        {
            throw EsError.Parsing(properties.Count == 0 ? "query malformed, empty clause found" : $"[{properties[0].Name}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
        }

        var (name, body) = (properties[0].Name, properties[0].Value);
        return name switch
        {
            "match_all" => _ => true,
            "match_none" => _ => false,
            "bool" => Bool(body),
            "term" => FieldQuery(name, body, "value", (c, field, value) => Values(c, field).Any(v => Equal(c.Index, field, v, value))),
            "terms" => Terms(body),
            "range" => Range(body),
            "exists" => Exists(body),
            "ids" => Ids(body),
            "match" => FieldQuery(name, body, "query", Match),
            "prefix" => FieldQuery(name, body, "value", (c, field, value) => Values(c, field).Any(v => v.ValueKind == JsonValueKind.String && v.GetString()!.StartsWith(value.GetString() ?? string.Empty, StringComparison.Ordinal))),
            _ => throw EsError.Parsing($"unknown query [{name}]"),
        };
    }

    /// <summary>
    /// The values of a field in a document: _id and _index, or the leaf values at a dotted path, with arrays
    /// (also arrays of objects) flattened, as Elasticsearch indexes them.
    /// </summary>
    public static IEnumerable<JsonElement> Values(Candidate candidate, string field)
    {
        if (field == "_id")
        {
            return [JsonSerializer.SerializeToElement(candidate.Document.Id)];
        }

        if (field == "_index")
        {
            return [JsonSerializer.SerializeToElement(candidate.Index.Name)];
        }

        var results = new List<JsonElement>();
        Collect(candidate.Document.Parsed, candidate.Index.SourcePathOf(field).Split('.'), 0, results);
        if (candidate.Index.TypeOf(field) == FieldType.Keyword && field.EndsWith(".keyword", StringComparison.Ordinal))
        {
            // The dynamic "keyword" sub-field has ignore_above 256: longer strings are not indexed in it.
            results.RemoveAll(v => v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 256);
        }

        return results;
    }

    private static void Collect(JsonElement element, string[] path, int depth, List<JsonElement> results)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Collect(item, path, depth, results);
            }

            return;
        }

        if (depth == path.Length)
        {
            if (element.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object))
            {
                results.Add(element);
            }

            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        // A source may hold "a.b" as one name or as a nested object; both address the same field.
        for (var take = path.Length - depth; take >= 1; take--)
        {
            if (element.TryGetProperty(string.Join('.', path, depth, take), out var child))
            {
                Collect(child, path, depth + take, results);
            }
        }
    }

    private static Func<Candidate, bool> Bool(JsonElement body)
    {
        List<Func<Candidate, bool>> Clauses(string name)
            => body.TryGetProperty(name, out var value)
                ? value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(v => Compile(v)).ToList() : [Compile(value)]
                : [];

        var must = Clauses("must").Concat(Clauses("filter")).ToList();
        var should = Clauses("should");
        var mustNot = Clauses("must_not");
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name is not ("must" or "filter" or "should" or "must_not" or "minimum_should_match" or "boost" or "_name"))
            {
                throw EsError.Parsing($"[bool] query does not support [{property.Name}]");
            }
        }

        // With no must or filter clause at least one should clause must match; with one, should clauses only score (reference "Boolean query").
        var minimumShould = body.TryGetProperty("minimum_should_match", out var msm) && msm.TryGetInt32(out var m) ? m : must.Count == 0 && should.Count > 0 ? 1 : 0;
        return c => must.All(q => q(c)) && !mustNot.Any(q => q(c)) && (minimumShould == 0 || should.Count(q => q(c)) >= minimumShould);
    }

    private static Func<Candidate, bool> FieldQuery(string name, JsonElement body, string valueName, Func<Candidate, string, JsonElement, bool> test)
    {
        var property = SingleField(name, body);
        var value = property.Value.ValueKind == JsonValueKind.Object
            ? property.Value.TryGetProperty(valueName, out var v) ? v : throw EsError.Parsing($"[{name}] query does not support [{property.Value.EnumerateObject().FirstOrDefault().Name}]")
            : property.Value;
        var field = property.Name;
        if (name == "match" && property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("operator", out var op) && string.Equals(op.GetString(), "and", StringComparison.OrdinalIgnoreCase))
        {
            return c => MatchAll(c, field, value);
        }

        return c => test(c, field, value);
    }

    private static JsonProperty SingleField(string name, JsonElement body)
    {
        var fields = body.ValueKind == JsonValueKind.Object ? body.EnumerateObject().Where(p => p.Name != "boost" && p.Name != "_name").ToList() : [];
        return fields.Count == 1 ? fields[0] : throw EsError.Parsing($"[{name}] query doesn't support multiple fields, found [{string.Join("] and [", fields.Select(f => f.Name))}]");
    }

    private static Func<Candidate, bool> Terms(JsonElement body)
    {
        var property = SingleField("terms", body);
        if (property.Value.ValueKind != JsonValueKind.Array)
        {
            throw EsError.Parsing("[terms] query does not support [" + property.Name + "]");
        }

        var values = property.Value.EnumerateArray().ToList();
        return c => Values(c, property.Name).Any(v => values.Any(t => Equal(c.Index, property.Name, v, t)));
    }

    private static Func<Candidate, bool> Exists(JsonElement body)
    {
        var field = body.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : throw EsError.Parsing("[exists] must be provided with a [field]");
        return c => Values(c, field).Any();
    }

    private static Func<Candidate, bool> Ids(JsonElement body)
    {
        var ids = body.TryGetProperty("values", out var v) ? v.EnumerateArray().Select(e => e.GetString()).ToHashSet(StringComparer.Ordinal) : [];
        return c => ids.Contains(c.Document.Id);
    }

    private static Func<Candidate, bool> Range(JsonElement body)
    {
        var property = SingleField("range", body);
        var field = property.Name;
        var bounds = new List<(string Op, JsonElement Value)>();
        foreach (var bound in property.Value.EnumerateObject())
        {
            switch (bound.Name)
            {
                case "gt" or "gte" or "lt" or "lte":
                    if (bound.Value.ValueKind != JsonValueKind.Null)
                    {
                        bounds.Add((bound.Name, bound.Value));
                    }

                    break;
                case "format" or "time_zone" or "boost" or "relation":
                    break;
                default:
                    throw EsError.Parsing($"[range] query does not support [{bound.Name}]");
            }
        }

        return c => Values(c, field).Any(v => bounds.All(b => Compare(c.Index, field, v, b.Value) is { } order && b.Op switch
        {
            "gt" => order > 0,
            "gte" => order >= 0,
            "lt" => order < 0,
            _ => order <= 0,
        }));
    }

    private static bool Match(Candidate candidate, string field, JsonElement query)
    {
        if (candidate.Index.TypeOf(field) != FieldType.Text)
        {
            return Values(candidate, field).Any(v => Equal(candidate.Index, field, v, query));
        }

        var wanted = Tokens(Text(query));
        return Values(candidate, field).Any(v => Tokens(Text(v)).Overlaps(wanted));
    }

    private static bool MatchAll(Candidate candidate, string field, JsonElement query)
    {
        var wanted = Tokens(Text(query));
        var have = Values(candidate, field).SelectMany(v => Tokens(Text(v))).ToHashSet(StringComparer.Ordinal);
        return wanted.All(have.Contains);
    }

    /// <summary>The standard analyzer, roughly: split on anything that is not a letter or digit, lowercase.</summary>
    public static HashSet<string> Tokens(string text)
        => System.Text.RegularExpressions.Regex.Split(text, @"[^\p{L}\p{Nd}]+").Where(t => t.Length > 0).Select(t => t.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static bool Equal(EsIndex index, string field, JsonElement stored, JsonElement wanted)
    {
        if (field is not "_id" and not "_index" && index.TypeOf(field) == FieldType.Text)
        {
            // A term query is not analysed: it matches a text field only when it equals one of its tokens.
            return Tokens(Text(stored)).Contains(Text(wanted));
        }

        return Compare(index, field, stored, wanted) == 0;
    }

    /// <summary>Compares a stored value with a query value by the field's type; null when they cannot be compared.</summary>
    internal static int? Compare(EsIndex index, string field, JsonElement stored, JsonElement wanted)
    {
        switch (field is "_id" or "_index" ? FieldType.Keyword : index.TypeOf(field))
        {
            case FieldType.Long or FieldType.Float:
                return Number(stored) is { } a && Number(wanted) is { } b ? a.CompareTo(b) : null;
            case FieldType.Date:
                return EsIndex.TryEpochMillis(stored, out var x) && EsIndex.TryEpochMillis(wanted, out var y) ? x.CompareTo(y) : null;
            case FieldType.Boolean:
                return AsBool(stored) is { } p && AsBool(wanted) is { } q ? p.CompareTo(q) : null;
            case null:
                return null;
            default:
                return string.CompareOrdinal(Text(stored), Text(wanted)) switch { < 0 => -1, > 0 => 1, _ => 0 };
        }
    }

    private static double? Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static bool? AsBool(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
        _ => null,
    };
}
