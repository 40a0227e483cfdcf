using System.Text.Json;
using System.Text.Json.Serialization;

namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>
/// Where an Elasticsearch read resumes: per slice, the sort values of the last document taken from it
/// (search_after) and the point in time they belong to, or that the slice is done. Stored in the manifest as JSON.
/// </summary>
internal sealed class ReadCursor
{
    /// <summary>One entry per slice (one when the read is not sliced).</summary>
    public required SliceCursor[] Slices { get; init; }

    /// <summary>The watermark range of a backfill, kept in every cursor of it so a resume reads the same documents.</summary>
    public BackfillRange? Backfill { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ReadCursorJson.Default.ReadCursor);

    public static ReadCursor Start(int slices, BackfillRange? backfill) => new() { Slices = [.. Enumerable.Range(0, slices).Select(_ => new SliceCursor())], Backfill = backfill };

    public static ReadCursor? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize(json, ReadCursorJson.Default.ReadCursor);
}

/// <summary>One slice's progress.</summary>
internal sealed class SliceCursor
{
    /// <summary>The sort values of the last document taken (search_after), in the server's JSON form; null: none yet.</summary>
    public JsonElement[]? After { get; init; }

    /// <summary>The id of the point in time <see cref="After"/> was read from (its "_shard_doc" tiebreaker is valid only there).</summary>
    public string? Pit { get; init; }

    /// <summary>True when the slice has returned its last document.</summary>
    public bool Done { get; init; }
}

/// <summary>A backfill reads documents whose watermark is above <see cref="Above"/> (any value when null) and at most <see cref="UpTo"/>.</summary>
internal sealed class BackfillRange
{
    /// <summary>The watermark recorded when the previous generation completed.</summary>
    public string? Above { get; init; }

    /// <summary>The highest watermark when the backfill started.</summary>
    public required string UpTo { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(ReadCursor))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
internal sealed partial class ReadCursorJson : JsonSerializerContext;
