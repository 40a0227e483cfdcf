using System.Security.Cryptography;
using System.Text;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Snapshot;

/// <summary>
/// Where each file of a snapshot lives: <c>KIND/SOURCE/COLLECTION/part-NNNNN.parquet</c>, and
/// <c>rejects/STAGE/SOURCE/COLLECTION/part-NNNNN.parquet</c> for rejects. Paths in the manifest are
/// relative with '/' separators, so a snapshot can be copied or mounted anywhere.
/// </summary>
public static class SnapshotLayout
{
    /// <summary>The folders a snapshot owns; overwrite deletes only these and the manifest.</summary>
    public static readonly IReadOnlyList<string> OwnedFolders = ["records", "edges", "rejects", "vectors", "progress"];

    /// <summary>
    /// The folder name of shard <paramref name="index"/> of <paramref name="count"/>'s snapshot, under the
    /// configured snapshot folder. Siblings find each other by this name, so every shard uses it.
    /// </summary>
    public static string ShardFolderName(int index, int count)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"shard-{index}-of-{count}");

    /// <summary>The relative path of a part file.</summary>
    public static string PartPath(PartKind kind, string source, string collection, int index, PipelineStage? rejectStage = null)
    {
        var file = $"part-{index:D5}.parquet";
        return kind == PartKind.Rejects
            ? $"rejects/{(rejectStage ?? throw new ArgumentNullException(nameof(rejectStage))).ToString().ToLowerInvariant()}/{source}/{Slug(collection)}/{file}"
            : $"{kind.Name()}/{source}/{Slug(collection)}/{file}";
    }

    /// <summary>
    /// A file-system-safe name for a collection. Names that had to change get a short hash, so
    /// "a/b" and "a_b" never share a folder.
    /// </summary>
    public static string Slug(string collection)
    {
        ArgumentException.ThrowIfNullOrEmpty(collection);
        var builder = new StringBuilder(collection.Length);
        foreach (var c in collection)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }

        var slug = builder.ToString();
        if (slug.Length > 80)
        {
            slug = slug[..80];
        }

        if (slug == collection && slug != "." && slug != "..")
        {
            return slug;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(collection)).AsSpan(0, 4));
        return $"{slug}-{hash}";
    }
}
