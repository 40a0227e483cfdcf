using System.Text.Json;
using System.Text.Json.Serialization;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// Where a PostgreSQL read resumes: after a key (keyset pagination in key order), or within the final
/// pass over rows whose key is NULL (they cannot be ordered after a key, and all become rejects).
/// Stored in the manifest as JSON.
/// </summary>
internal sealed class KeysetCursor
{
    /// <summary>The last key's values as text, cast back to <see cref="Types"/> in SQL.</summary>
    public string[]? After { get; init; }

    /// <summary>PostgreSQL type names of the key columns.</summary>
    public string[]? Types { get; init; }

    /// <summary>Rows of the NULL-key pass already read; null while still in key order.</summary>
    public long? NullRowsDone { get; init; }

    /// <summary>The watermark range of a backfill, kept in every cursor of it so a resume reads the same rows; null outside a backfill.</summary>
    public BackfillRange? Backfill { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, KeysetCursorJson.Default.KeysetCursor);

    public static KeysetCursor? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize(json, KeysetCursorJson.Default.KeysetCursor);
}

/// <summary>A backfill reads rows whose watermark is above <see cref="Above"/> (any value when null) and at most <see cref="UpTo"/>.</summary>
internal sealed class BackfillRange
{
    /// <summary>The watermark recorded when the previous generation completed, in the server's text form.</summary>
    public string? Above { get; init; }

    /// <summary>The highest watermark when the backfill started; recorded as the collection's watermark.</summary>
    public required string UpTo { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KeysetCursor))]
internal sealed partial class KeysetCursorJson : JsonSerializerContext;
