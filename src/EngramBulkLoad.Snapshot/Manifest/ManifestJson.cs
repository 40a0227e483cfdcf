using System.Text.Json;
using System.Text.Json.Serialization;

namespace EngramBulkLoad.Snapshot.Manifest;

/// <summary>JSON settings of manifest.json: camelCase names, enums as strings, indented for people who open it.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(SnapshotManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;

/// <summary>Reads and writes manifest.json.</summary>
internal static class ManifestJson
{
    public static byte[] Serialize(SnapshotManifest manifest)
        => JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJsonContext.Default.SnapshotManifest);

    public static SnapshotManifest? Deserialize(ReadOnlySpan<byte> json)
        => JsonSerializer.Deserialize(json, ManifestJsonContext.Default.SnapshotManifest);
}
