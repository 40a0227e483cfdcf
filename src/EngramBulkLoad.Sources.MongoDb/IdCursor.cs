using System.Text.Json;
using System.Text.Json.Serialization;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>
/// Where a MongoDB read resumes: after an _id (canonical Extended JSON, so its BSON type survives) within its
/// type bracket (<see cref="IdBracket"/>), and a backfill's watermark range. Stored in the manifest as JSON.
/// </summary>
internal sealed class IdCursor
{
    /// <summary>The last _id read, as canonical Extended JSON; null before the first.</summary>
    public string? After { get; init; }

    /// <summary>The type bracket of <see cref="After"/> ("objectId", "string", "number", ...).</summary>
    public string? Bracket { get; init; }

    /// <summary>The watermark range of a backfill; null outside one.</summary>
    public WatermarkRange? Backfill { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, IdCursorJson.Default.IdCursor);

    public static IdCursor? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize(json, IdCursorJson.Default.IdCursor);
}

/// <summary>A backfill reads documents whose watermark is above <see cref="Above"/> (any value when null) and at most <see cref="UpTo"/>; both canonical Extended JSON.</summary>
internal sealed class WatermarkRange
{
    public string? Above { get; init; }

    public required string UpTo { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IdCursor))]
internal sealed partial class IdCursorJson : JsonSerializerContext;
