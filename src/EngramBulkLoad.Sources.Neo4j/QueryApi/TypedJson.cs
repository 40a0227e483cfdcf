using System.Globalization;
using System.Text.Json;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Neo4j.QueryApi;

/// <summary>A node as the Query API returns it.</summary>
internal sealed record Neo4jNode(string ElementId, IReadOnlyList<string> Labels, IReadOnlyList<KeyValuePair<string, object?>> Properties);

/// <summary>A relationship as the Query API returns it.</summary>
internal sealed record Neo4jRelationship(string ElementId, string StartNodeElementId, string EndNodeElementId, string Type, IReadOnlyList<KeyValuePair<string, object?>> Properties);

/// <summary>
/// Neo4j's typed JSON ("application/vnd.neo4j.query"): every value is <c>{"$type": T, "_value": V}</c>, with
/// INTEGER and FLOAT as strings so no precision is lost in JSON numbers, ByteArray as base64 ("Base64"),
/// temporals and durations as ISO-8601 strings, points as EWKT ("SRID=4326;POINT (x y)"), lists and maps
/// nested, nodes as <c>_element_id</c>/<c>_labels</c>/<c>_properties</c>.
/// Source: https://neo4j.com/docs/query-api/current/typed-json/ ("Type mapping"), and the server's
/// writer, neo4j/neo4j community/server/.../queryapi/response/format/DefaultResponseModule.java and CypherTypes.java.
/// </summary>
/// <remarks>
/// The CLR values this reader produces, and so the text forms staged records get (README, "Neo4j"):
/// Integer → long; Float → double (NaN and infinities too); String → string; Boolean → bool; Null → null;
/// Base64 → byte[] (metadata keeps up to 1 KiB as "base64:...", larger as size and SHA-256); Date, Time,
/// LocalTime, OffsetDateTime, ZonedDateTime, LocalDateTime, Duration and Point → the server's own ISO-8601
/// or EWKT text, unchanged (so nanoseconds and zone ids survive); List → list; Map → dictionary (in the server's key order);
/// any type this reader does not know (Vector, UUID in newer servers) → the typed JSON itself, kept whole.
/// </remarks>
internal static class TypedJson
{
    /// <summary>The typed JSON media type; Neo4j 5 serves it as v1.0 of the format.</summary>
    public const string MediaType = "application/vnd.neo4j.query";

    /// <summary>Types whose value is a string the server formatted (ISO-8601 or EWKT), kept as that text.</summary>
    private static readonly HashSet<string> TextTypes = ["Date", "Time", "LocalTime", "OffsetDateTime", "ZonedDateTime", "LocalDateTime", "Duration", "Point"];

    /// <summary>Reads one typed value; the reader is on its StartObject (or a plain null, which some servers write for missing values).</summary>
    public static object? Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"expected a typed value {{\"$type\": ..., \"_value\": ...}}, found {reader.TokenType}");
        }

        var start = reader;
        string? type = null;
        object? value = null;
        var sawValue = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("$type"))
            {
                reader.Read();
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("_value"))
            {
                reader.Read();
                if (type is null)
                {
                    throw new JsonException("\"_value\" came before \"$type\" in a typed value");
                }

                if (!TryReadValue(type, ref reader, out value))
                {
                    // A type this reader does not know: keep the typed JSON whole, rather than guess its meaning.
                    reader = start;
                    using var document = JsonDocument.ParseValue(ref reader);
                    return new RawJson(document.RootElement.GetRawText());
                }

                sawValue = true;
            }
            else
            {
                reader.Read();
                reader.TrySkip();
            }
        }

        if (!sawValue)
        {
            throw new JsonException($"typed value of type '{type}' has no \"_value\"");
        }

        return value;
    }

    /// <summary>Writes a parameter value in typed JSON ("$type" first: the server reads it before "_value").</summary>
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        writer.WriteStartObject();
        switch (value)
        {
            case null:
                writer.WriteString("$type", "Null");
                writer.WriteNull("_value");
                break;
            case TypedText typed:
                writer.WriteString("$type", typed.Type);
                writer.WriteString("_value", typed.Text);
                break;
            case string s:
                writer.WriteString("$type", "String");
                writer.WriteString("_value", s);
                break;
            case bool b:
                writer.WriteString("$type", "Boolean");
                writer.WriteBoolean("_value", b);
                break;
            case long or int:
                writer.WriteString("$type", "Integer");
                writer.WriteString("_value", Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteString("$type", "Float");
                writer.WriteString("_value", d.ToString("R", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                writer.WriteString("$type", "Base64");
                writer.WriteString("_value", Convert.ToBase64String(bytes));
                break;
            case IEnumerable<string> list:
                writer.WriteString("$type", "List");
                writer.WriteStartArray("_value");
                foreach (var item in list)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"a {value.GetType().Name} cannot be sent as a Neo4j parameter", nameof(value));
        }

        writer.WriteEndObject();
    }

    private static bool TryReadValue(string type, ref Utf8JsonReader reader, out object? value)
    {
        switch (type)
        {
            case "Null":
                value = null;
                return true;
            case "Boolean":
                value = reader.GetBoolean();
                return true;
            case "Integer":
                value = long.Parse(reader.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return true;
            case "Float":
                value = ParseFloat(reader.GetString()!);
                return true;
            case "String":
                value = reader.GetString();
                return true;
            case "Base64":
                value = reader.GetBytesFromBase64();
                return true;
            case "List":
                var list = new List<object?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(Read(ref reader));
                }

                value = list;
                return true;
            case "Map":
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, item) in ReadMap(ref reader))
                {
                    map[key] = item;
                }

                value = map;
                return true;
            case "Node":
                value = ReadNode(ref reader);
                return true;
            case "Relationship":
                value = ReadRelationship(ref reader);
                return true;
            case var text when TextTypes.Contains(text):
                value = new TypedText(type, reader.GetString()!);
                return true;
            default:
                value = null;
                return false;
        }
    }

    private static double ParseFloat(string text) => text switch
    {
        // Java's Double.toString spells the non-finite values this way.
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static List<KeyValuePair<string, object?>> ReadMap(ref Utf8JsonReader reader)
    {
        var map = new List<KeyValuePair<string, object?>>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            map.Add(new KeyValuePair<string, object?>(name, Read(ref reader)));
        }

        return map;
    }

    private static Neo4jNode ReadNode(ref Utf8JsonReader reader)
    {
        string? id = null;
        var labels = new List<string>();
        List<KeyValuePair<string, object?>> properties = [];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("_element_id"))
            {
                reader.Read();
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("_labels"))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    labels.Add(reader.GetString()!);
                }
            }
            else if (reader.ValueTextEquals("_properties"))
            {
                reader.Read();
                properties = ReadMap(ref reader);
            }
            else
            {
                reader.Read();
                reader.TrySkip();
            }
        }

        return new Neo4jNode(id ?? throw new JsonException("a Node has no \"_element_id\""), labels, properties);
    }

    private static Neo4jRelationship ReadRelationship(ref Utf8JsonReader reader)
    {
        string? id = null, start = null, end = null, type = null;
        List<KeyValuePair<string, object?>> properties = [];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "_element_id": id = reader.GetString(); break;
                case "_start_node_element_id": start = reader.GetString(); break;
                case "_end_node_element_id": end = reader.GetString(); break;
                case "_type": type = reader.GetString(); break;
                case "_properties": properties = ReadMap(ref reader); break;
                default: reader.TrySkip(); break;
            }
        }

        return new Neo4jRelationship(id ?? string.Empty, start ?? string.Empty, end ?? string.Empty, type ?? string.Empty, properties);
    }
}

/// <summary>
/// A value the server sent as formatted text with its type (a temporal, a duration, a point): the text is kept
/// exactly, and the type travels with it, so a watermark or key of this type goes back to the server as the same type.
/// </summary>
internal sealed record TypedText(string Type, string Text) : IFormattable
{
    public override string ToString() => Text;

    public string ToString(string? format, IFormatProvider? formatProvider) => Text;
}
