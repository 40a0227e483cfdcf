using System.Globalization;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Loading.Shards;

/// <summary>
/// Whether a sibling shard's memories are all in Engram: its extraction is complete (every collection this
/// shard has is marked completed there too, and none of its own is still running) and every part of its
/// manifest is Loaded. Ready, it comes with the sibling's snapshot opened for reading, whose manifest is the
/// one that was judged; otherwise with what it still lacks, for the progress lines and the timeout error.
/// </summary>
internal sealed record SiblingStatus(SiblingShard Sibling, SnapshotStore? Snapshot, string? Missing)
{
    /// <summary>Reads a sibling's manifest and judges it; throws when the folder is not a sibling of this migration at all.</summary>
    /// <param name="sibling">The sibling.</param>
    /// <param name="own">This shard's manifest (migration id, collections).</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<SiblingStatus> ReadAsync(SiblingShard sibling, SnapshotManifest own, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sibling);
        ArgumentNullException.ThrowIfNull(own);
        if (!File.Exists(Path.Combine(sibling.Folder, SnapshotFormat.ManifestFileName)))
        {
            return new SiblingStatus(sibling, null, $"not started: no {SnapshotFormat.ManifestFileName} in {sibling.Folder}");
        }

        var snapshot = await SnapshotStore.OpenForReadAsync(sibling.Folder, time, cancellationToken);
        try
        {
            var manifest = snapshot.ReadManifest();
            Check(sibling, own, manifest);
            if (Lacks(own, manifest) is { } missing)
            {
                await snapshot.DisposeAsync();
                return new SiblingStatus(sibling, null, missing);
            }

            return new SiblingStatus(sibling, snapshot, null);
        }
        catch
        {
            await snapshot.DisposeAsync();
            throw;
        }
    }

    /// <summary>A folder of another migration or shard is never a sibling: waiting for it would wait for ever.</summary>
    private static void Check(SiblingShard sibling, SnapshotManifest own, SnapshotManifest manifest)
    {
        if (!string.Equals(manifest.MigrationId, own.MigrationId, StringComparison.Ordinal))
        {
            throw ErrorFactory.Snapshot(sibling.Folder,
                $"the sibling shard's folder holds migration '{manifest.MigrationId}', not '{own.MigrationId}', so its memories are not this migration's. Move that folder away (or run shard {sibling.Shard} of '{own.MigrationId}' with --overwrite), then run load again.");
        }

        if (!string.Equals(manifest.Shard, sibling.Shard.ToString(), StringComparison.Ordinal))
        {
            throw ErrorFactory.Snapshot(sibling.Folder,
                $"expected the snapshot of shard {sibling.Shard} here; its manifest says {(manifest.Shard is null ? "it is not a shard" : $"shard {manifest.Shard}")}. The folder was copied or renamed by hand: restore it, or run shard {sibling.Shard} again with --overwrite.");
        }
    }

    /// <summary>What keeps the sibling from being ready, or null when nothing does.</summary>
    private static string? Lacks(SnapshotManifest own, SnapshotManifest manifest)
    {
        var c = CultureInfo.InvariantCulture;
        var collections = manifest.Collections.Select(collection => (collection.Source, collection.Collection))
            .Union(own.Collections.Select(collection => (collection.Source, collection.Collection)))
            .ToList();
        var completed = collections.Count(name => manifest.Collections.Any(collection => collection.Source == name.Source && collection.Collection == name.Collection && collection.Completed));
        if (completed < collections.Count)
        {
            return string.Create(c, $"extracting: {completed} of {collections.Count} collections extracted");
        }

        var loaded = manifest.Parts.Count(part => part.State == PartState.Loaded);
        return loaded < manifest.Parts.Count
            ? string.Create(c, $"loading memories: {loaded} of {manifest.Parts.Count} parts loaded")
            : null;
    }
}
