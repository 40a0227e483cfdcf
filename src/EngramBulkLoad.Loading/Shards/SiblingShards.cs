using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Loading.Shards;

/// <summary>
/// The sibling shards of a shard snapshot. Each shard process writes its own snapshot in
/// SNAPSHOT/shard-i-of-N, so the siblings of shard i are the folders shard-j-of-N beside it, for every
/// j other than i. An edge may end in a sibling's record, which is why the association phase needs them.
/// </summary>
internal sealed class SiblingShards
{
    private SiblingShards(ShardSpec own, IReadOnlyList<SiblingShard> siblings)
    {
        Own = own;
        Siblings = siblings;
    }

    /// <summary>This snapshot's shard.</summary>
    public ShardSpec Own { get; }

    /// <summary>Every other shard of the same count, in index order.</summary>
    public IReadOnlyList<SiblingShard> Siblings { get; }

    /// <summary>
    /// The siblings of the snapshot in <paramref name="folder"/>; null when it is not a shard (no shard in
    /// the manifest, or one shard of one), so it has no siblings to wait for.
    /// </summary>
    /// <param name="folder">The snapshot folder (absolute).</param>
    /// <param name="manifest">Its manifest.</param>
    public static SiblingShards? Find(string folder, SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Shard is not { } text)
        {
            return null;
        }

        ShardSpec own;
        try
        {
            own = ShardSpec.Parse(text, "manifest shard");
        }
        catch (ConfigException ex)
        {
            throw ErrorFactory.Snapshot(folder, $"the manifest's shard '{text}' is not INDEX/COUNT with 0 <= INDEX < COUNT. The manifest was edited or damaged; restore it, or extract the shard again with --overwrite.", ex);
        }

        if (own.IsWhole)
        {
            return null;
        }

        var trimmed = Path.TrimEndingDirectorySeparator(folder);
        var expected = SnapshotLayout.ShardFolderName(own.Index, own.Count);
        if (!string.Equals(Path.GetFileName(trimmed), expected, StringComparison.Ordinal))
        {
            throw ErrorFactory.Snapshot(folder,
                $"this snapshot is shard {own} but its folder is not named '{expected}', so its sibling shards cannot be found (they are looked for beside it as shard-J-of-{own.Count}). Keep the folders the job creates: give every shard the same --snapshot (or config \"snapshot\") and --shard J/{own.Count}.");
        }

        var parent = Path.GetDirectoryName(trimmed)!;
        var siblings = Enumerable.Range(0, own.Count)
            .Where(index => index != own.Index)
            .Select(index => new SiblingShard(new ShardSpec(index, own.Count), Path.Combine(parent, SnapshotLayout.ShardFolderName(index, own.Count))))
            .ToList();
        return new SiblingShards(own, siblings);
    }
}

/// <summary>One sibling shard and the folder its snapshot is (or will be) in.</summary>
internal sealed record SiblingShard(ShardSpec Shard, string Folder);
