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

    public string ToJson() => JsonSerializer.Serialize(this, KeysetCursorJson.Default.KeysetCursor);

    public static KeysetCursor? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize(json, KeysetCursorJson.Default.KeysetCursor);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KeysetCursor))]
internal sealed partial class KeysetCursorJson : JsonSerializerContext;
