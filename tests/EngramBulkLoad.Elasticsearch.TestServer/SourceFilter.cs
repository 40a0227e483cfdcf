using System.Text.Json;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// _source filtering (reference "Retrieve selected fields: source filtering"): "_source": false, a field
/// or list of fields, or { "includes": [...], "excludes": [...] }, with * wildcards over dotted paths.
/// A field that is included brings its whole subtree, less what is excluded.
/// </summary>
public sealed class SourceFilter
{
    private readonly string[] _includes;
    private readonly string[] _excludes;

    private SourceFilter(bool fetch, string[] includes, string[] excludes)
    {
        Fetch = fetch;
        _includes = includes;
        _excludes = excludes;
    }

    /// <summary>False when the request asked for no _source.</summary>
    public bool Fetch { get; }

    /// <summary>True when the source is returned as stored.</summary>
    public bool IsWhole => Fetch && _includes.Length == 0 && _excludes.Length == 0;

    /// <summary>Reads "_source" from a request body.</summary>
    public static SourceFilter Parse(JsonElement? source)
    {
        static string[] List(JsonElement value) => value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(v => v.GetString()!)] : [value.GetString()!];
        return source switch
        {
            null => new SourceFilter(true, [], []),
            { ValueKind: JsonValueKind.False } => new SourceFilter(false, [], []),
            { ValueKind: JsonValueKind.True } => new SourceFilter(true, [], []),
            { ValueKind: JsonValueKind.String or JsonValueKind.Array } value => new SourceFilter(true, List(value), []),
            { ValueKind: JsonValueKind.Object } value => new SourceFilter(true,
                value.TryGetProperty("includes", out var i) ? List(i) : [],
                value.TryGetProperty("excludes", out var e) ? List(e) : []),
            _ => throw EsError.Parsing("Expected one of [BOOLEAN, OBJECT, START_ARRAY, VALUE_STRING] but found something else for [_source]"),
        };
    }

    /// <summary>Writes the filtered source.</summary>
    public void Write(Utf8JsonWriter writer, EsDocument document)
    {
        if (IsWhole)
        {
            writer.WriteRawValue(document.Source, skipInputValidation: true);
            return;
        }

        WriteObject(writer, document.Parsed, null, _includes.Length == 0);
    }

    private void WriteObject(Utf8JsonWriter writer, JsonElement element, string? prefix, bool included)
    {
        writer.WriteStartObject();
        foreach (var property in element.EnumerateObject())
        {
            var path = prefix is null ? property.Name : $"{prefix}.{property.Name}";
            if (_excludes.Any(p => Matches(p, path)))
            {
                continue;
            }

            var inside = included || _includes.Any(p => Matches(p, path));
            if (inside)
            {
                writer.WritePropertyName(property.Name);
                WriteValue(writer, property.Value, path, true);
            }
            else if (_includes.Any(p => p.StartsWith(path + ".", StringComparison.Ordinal) || p.Contains('*', StringComparison.Ordinal)) && HasIncluded(property.Value, path))
            {
                writer.WritePropertyName(property.Name);
                WriteValue(writer, property.Value, path, false);
            }
        }

        writer.WriteEndObject();
    }

    private void WriteValue(Utf8JsonWriter writer, JsonElement value, string path, bool included)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, value, path, included);
                break;
            case JsonValueKind.Array when !included:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object && HasIncluded(i, path)))
                {
                    WriteObject(writer, item, path, false);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    WriteValue(writer, item, path, true);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }

    private bool HasIncluded(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().Any(p => !_excludes.Any(e => Matches(e, $"{path}.{p.Name}"))
            && (_includes.Any(i => Matches(i, $"{path}.{p.Name}")) || HasIncluded(p.Value, $"{path}.{p.Name}"))),
        JsonValueKind.Array => value.EnumerateArray().Any(i => HasIncluded(i, path)),
        _ => false,
    };

    /// <summary>Elasticsearch's simple match: * matches any run of characters, including dots.</summary>
    private static bool Matches(string pattern, string path)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal))
        {
            return pattern == path;
        }

        var parts = pattern.Split('*');
        if (!path.StartsWith(parts[0], StringComparison.Ordinal) || !path.EndsWith(parts[^1], StringComparison.Ordinal) || path.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        var at = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = path.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + parts[i].Length;
        }

        return at <= path.Length - parts[^1].Length;
    }
}
