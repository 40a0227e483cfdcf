using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using EngramBulkLoad.Sources.Neo4j.QueryApi;

namespace EngramBulkLoad.Sources.Neo4j;

/// <summary>
/// Where a Neo4j read resumes, stored in the manifest as JSON. Nodes: after a key and element id (keyset order),
/// or within the final pass over nodes without the key property (after an element id). Relationships: after an
/// element id. Key values keep their Cypher type ("Integer:42", "String:abc"), so the resumed query compares like with like.
/// </summary>
internal sealed class Neo4jCursor
{
    /// <summary>"keyed" (default) or "nullKey", the pass over nodes without the key property.</summary>
    public string? Phase { get; init; }

    /// <summary>The last key read, as <see cref="TypedValueText"/> text.</summary>
    public string? After { get; init; }

    /// <summary>The last element id read (the node's within a key, or the relationship's).</summary>
    public string? AfterId { get; init; }

    /// <summary>The watermark range of a backfill, in every cursor of it; null outside a backfill.</summary>
    public Neo4jBackfill? Backfill { get; init; }

    [JsonIgnore]
    public bool InNullKeyPass => Phase == "nullKey";

    public string ToJson() => JsonSerializer.Serialize(this, Neo4jCursorJson.Default.Neo4jCursor);

    public static Neo4jCursor? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize(json, Neo4jCursorJson.Default.Neo4jCursor);
}

/// <summary>A backfill reads nodes whose watermark is above <see cref="Above"/> (any when null) and at most <see cref="UpTo"/>, both as <see cref="TypedValueText"/>.</summary>
internal sealed record Neo4jBackfill
{
    public string? Above { get; init; }

    public required string UpTo { get; init; }
}

/// <summary>
/// A key or watermark value as text with its Cypher type, "Type:text" (e.g. "Integer:42",
/// "OffsetDateTime:2025-01-02T00:00:00Z"), and back to the value sent as a typed parameter.
/// </summary>
internal static class TypedValueText
{
    public static string Format(object value) => value switch
    {
        string s => "String:" + s,
        long l => "Integer:" + l.ToString(CultureInfo.InvariantCulture),
        double d => "Float:" + d.ToString("R", CultureInfo.InvariantCulture),
        bool b => "Boolean:" + (b ? "true" : "false"),
        TypedText t => t.Type + ":" + t.Text,
        _ => throw new ArgumentException($"a {value.GetType().Name} cannot be a Neo4j key or watermark; use a property of type STRING, INTEGER, FLOAT or a temporal type.", nameof(value)),
    };

    public static object Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException($"'{text}' is not a typed value (expected TYPE:TEXT).");
        }

        var type = text[..colon];
        var value = text[(colon + 1)..];
        return type switch
        {
            "String" => value,
            "Integer" => long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            "Float" => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            "Boolean" => value == "true",
            _ => new TypedText(type, value),
        };
    }

    /// <summary>True when the value can be a key or watermark (what <see cref="Format"/> accepts).</summary>
    public static bool IsOrderable(object? value) => value is string or long or double or bool or TypedText;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Neo4jCursor))]
internal sealed partial class Neo4jCursorJson : JsonSerializerContext;
