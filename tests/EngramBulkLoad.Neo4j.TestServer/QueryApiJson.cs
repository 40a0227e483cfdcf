using System.Globalization;
using System.Text.Json;

namespace EngramBulkLoad.Neo4j.TestServer;

/// <summary>
/// The Query API's two JSON forms of Cypher values, as Neo4j 5 writes and reads them.
/// Typed ("application/vnd.neo4j.query"): <c>{"$type": T, "_value": V}</c>; INTEGER and FLOAT as strings (Java's
/// Long/Double toString), Base64 for byte arrays, temporals as ISO-8601 with OffsetDateTime or ZonedDateTime for a
/// zoned datetime (by whether the zone is an offset), points as "SRID=...;POINT (x y)", nodes as
/// <c>{"_element_id", "_labels", "_properties"}</c>, relationships with <c>_start_node_element_id</c>,
/// <c>_end_node_element_id</c>, <c>_type</c>. Plain ("application/json"): the closest JSON type, temporals, points and
/// bytes as strings, nodes as <c>{"elementId", "labels", "properties"}</c>.
/// Sources: DefaultResponseModule.java, CypherTypes.java and View.java in neo4j/neo4j
/// community/server/src/main/java/org/neo4j/server/queryapi/response/format/, and
/// https://neo4j.com/docs/query-api/current/result-formats/ (type mapping tables).
/// Parameters: typed requests carry "$type" before "_value" and the server refuses other orders
/// (ValueDeserializer.java: "Expected a typed value."); plain requests map JSON numbers to INTEGER or FLOAT.
/// </summary>
internal static class QueryApiJson
{
    public static void WriteTyped(Utf8JsonWriter writer, object? value)
    {
        writer.WriteStartObject();
        switch (value)
        {
            case null:
                writer.WriteString("$type", "Null");
                writer.WriteNull("_value");
                break;
            case bool b:
                writer.WriteString("$type", "Boolean");
                writer.WriteBoolean("_value", b);
                break;
            case long l:
                writer.WriteString("$type", "Integer");
                writer.WriteString("_value", l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteString("$type", "Float");
                writer.WriteString("_value", JavaDouble.Format(d));
                break;
            case string s:
                writer.WriteString("$type", "String");
                writer.WriteString("_value", s);
                break;
            case byte[] bytes:
                writer.WriteString("$type", "Base64");
                writer.WriteString("_value", Convert.ToBase64String(bytes));
                break;
            case CypherTemporal temporal:
                writer.WriteString("$type", temporal.Kind);
                writer.WriteString("_value", temporal.Text);
                break;
            case CypherPoint point:
                writer.WriteString("$type", "Point");
                writer.WriteString("_value", point.Text);
                break;
            case List<object?> list:
                writer.WriteString("$type", "List");
                writer.WriteStartArray("_value");
                foreach (var item in list)
                {
                    WriteTyped(writer, item);
                }

                writer.WriteEndArray();
                break;
            case Dictionary<string, object?> map:
                writer.WriteString("$type", "Map");
                writer.WriteStartObject("_value");
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteTyped(writer, item);
                }

                writer.WriteEndObject();
                break;
            case GraphNode node:
                writer.WriteString("$type", "Node");
                writer.WriteStartObject("_value");
                writer.WriteString("_element_id", node.ElementId);
                writer.WriteStartArray("_labels");
                foreach (var label in node.Labels)
                {
                    writer.WriteStringValue(label);
                }

                writer.WriteEndArray();
                WriteTypedProperties(writer, node.Properties);
                writer.WriteEndObject();
                break;
            case GraphRelationship relationship:
                writer.WriteString("$type", "Relationship");
                writer.WriteStartObject("_value");
                writer.WriteString("_element_id", relationship.ElementId);
                writer.WriteString("_start_node_element_id", relationship.Start.ElementId);
                writer.WriteString("_end_node_element_id", relationship.End.ElementId);
                writer.WriteString("_type", relationship.Type);
                WriteTypedProperties(writer, relationship.Properties);
                writer.WriteEndObject();
                break;
            default:
                throw new InvalidOperationException($"no Query API form for {value.GetType().Name}");
        }

        writer.WriteEndObject();
    }

    public static void WritePlain(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double d:
                writer.WriteStringValue(JavaDouble.Format(d));
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case byte[] bytes:
                writer.WriteStringValue(Convert.ToBase64String(bytes));
                break;
            case CypherTemporal temporal:
                writer.WriteStringValue(temporal.Text);
                break;
            case CypherPoint point:
                writer.WriteStringValue(point.Text);
                break;
            case List<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WritePlain(writer, item);
                }

                writer.WriteEndArray();
                break;
            case Dictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WritePlain(writer, item);
                }

                writer.WriteEndObject();
                break;
            case GraphNode node:
                writer.WriteStartObject();
                writer.WriteString("elementId", node.ElementId);
                writer.WriteStartArray("labels");
                foreach (var label in node.Labels)
                {
                    writer.WriteStringValue(label);
                }

                writer.WriteEndArray();
                writer.WritePropertyName("properties");
                WritePlain(writer, node.Properties);
                writer.WriteEndObject();
                break;
            case GraphRelationship relationship:
                writer.WriteStartObject();
                writer.WriteString("elementId", relationship.ElementId);
                writer.WriteString("startNodeElementId", relationship.Start.ElementId);
                writer.WriteString("endNodeElementId", relationship.End.ElementId);
                writer.WriteString("type", relationship.Type);
                writer.WritePropertyName("properties");
                WritePlain(writer, relationship.Properties);
                writer.WriteEndObject();
                break;
            default:
                throw new InvalidOperationException($"no Query API form for {value.GetType().Name}");
        }
    }

    /// <summary>A typed parameter value; throws <see cref="JsonException"/> with Neo4j's wording when it is not one.</summary>
    public static object? ReadTyped(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("Expected a typed value.");
        }

        using var members = element.EnumerateObject();
        if (!members.MoveNext() || members.Current.Name != "$type")
        {
            throw new JsonException("Expected a typed value.");
        }

        var type = members.Current.Value.GetString();
        if (!members.MoveNext() || members.Current.Name != "_value")
        {
            throw new JsonException("Expecting field _value");
        }

        var value = members.Current.Value;
        return type switch
        {
            "Null" => value.ValueKind == JsonValueKind.Null ? null : throw new JsonException("Expected 'null' value"),
            "Boolean" => value.GetBoolean(),
            "Integer" => long.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            "Float" => ParseJavaDouble(value.GetString()!),
            "String" => value.GetString(),
            "Base64" => Convert.FromBase64String(value.GetString()!),
            "List" => value.EnumerateArray().Select(ReadTyped).ToList(),
            "Map" => value.EnumerateObject().ToDictionary(p => p.Name, p => ReadTyped(p.Value), StringComparer.Ordinal),
            "Date" or "Time" or "LocalTime" or "LocalDateTime" or "Duration" => new CypherTemporal(type, value.GetString()!),
            "OffsetDateTime" or "ZonedDateTime" => CypherTemporal.DateTime(value.GetString()!),
            "Point" => ParsePoint(value.GetString()!),
            _ => throw new JsonException($"Type {type} is not a valid parameter type."),
        };
    }

    /// <summary>A plain JSON parameter: numbers without a fraction or exponent are INTEGER, others FLOAT.</summary>
    public static object? ReadPlain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number when element.TryGetInt64(out var l) && !element.GetRawText().Contains('.', StringComparison.Ordinal) => l,
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.Array => element.EnumerateArray().Select(ReadPlain).ToList(),
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ReadPlain(p.Value), StringComparer.Ordinal),
        _ => null,
    };

    private static void WriteTypedProperties(Utf8JsonWriter writer, Dictionary<string, object?> properties)
    {
        writer.WriteStartObject("_properties");
        foreach (var (key, item) in properties)
        {
            writer.WritePropertyName(key);
            WriteTyped(writer, item);
        }

        writer.WriteEndObject();
    }

    private static double ParseJavaDouble(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static CypherPoint ParsePoint(string text)
    {
        // "SRID=4326;POINT (x y)" or "SRID=4979;POINT Z (x y z)", the pattern CypherTypes.parsePoint accepts.
        var match = System.Text.RegularExpressions.Regex.Match(text, @"^SRID=(\d+);\s*POINT\s*Z?\s*\(\s*(\S+)\s+(\S+)\s*(\S+)?\)$");
        if (!match.Success)
        {
            throw new JsonException("Illegal pattern");
        }

        var z = match.Groups[4].Success ? ParseJavaDouble(match.Groups[4].Value) : (double?)null;
        return new CypherPoint(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), ParseJavaDouble(match.Groups[2].Value), ParseJavaDouble(match.Groups[3].Value), z);
    }
}
