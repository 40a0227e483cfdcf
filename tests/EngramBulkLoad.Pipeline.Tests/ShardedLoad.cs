using EngramBulkLoad.Engram.TestServer;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>What the tests of sharded runs read back: each shard's manifest and edge rejects, and the union in the Engram test server.</summary>
internal static class ShardedLoad
{
    /// <summary>Runs several command lines at once, as the pods of an Indexed Job would.</summary>
    public static async Task<(int Exit, string Output, string Error)[]> AtOnceAsync(IEnumerable<string[]> commands)
        => await Task.WhenAll(commands.Select(args => Task.Run(() => CliAsync(args), Ct)));

    /// <summary>The manifests of shards 0/N .. N-1/N under <paramref name="snapshot"/>.</summary>
    public static async Task<List<SnapshotManifest>> ManifestsAsync(string snapshot, int count)
    {
        var manifests = new List<SnapshotManifest>();
        for (var index = 0; index < count; index++)
        {
            manifests.Add(await RunTests.ReadManifestAsync(Folder(snapshot, index, count)));
        }

        return manifests;
    }

    public static string Folder(string snapshot, int index, int count) => Path.Combine(snapshot, SnapshotLayout.ShardFolderName(index, count));

    /// <summary>
    /// The server holds exactly <paramref name="ids"/>, none of them received twice, and exactly one association per
    /// expected edge (each created by one shard only).
    /// </summary>
    public static void AssertExactlyOnce(EngramTestServer server, HashSet<string> ids, HashSet<(string From, string To)> associations)
    {
        Assert.Equal(ids, Held(server));
        Assert.Equal(0, server.Store.Upserts);
        var created = server.Store.AssociateCalls.Select(association => (association.Source, association.Target)).ToList();
        Assert.Equal(created.Count, created.Distinct().Count());
        Assert.Equal(associations, created.ToHashSet());
    }

    /// <summary>Every edge reject of every shard, read from the load rejects files.</summary>
    public static async Task<List<RejectRecord>> EdgeRejectsAsync(string snapshot, int count)
    {
        var rejects = new List<RejectRecord>();
        for (var index = 0; index < count; index++)
        {
            var folder = Folder(snapshot, index, count);
            var manifest = await RunTests.ReadManifestAsync(folder);
            foreach (var file in manifest.Parts.Select(part => part.Files.LoadRejects).OfType<PartFile>())
            {
                await using var reader = await PartFileReader<RejectRecord>.OpenAsync(PartCodecs.Rejects, Path.Combine(folder, file.Path), manifest.MigrationId, Ct);
                await foreach (var reject in reader.ReadAllAsync(Ct))
                {
                    if (reject.MemoryId?.StartsWith(Identity.MemoryIdentity.EdgePrefix, StringComparison.Ordinal) == true)
                    {
                        rejects.Add(reject);
                    }
                }
            }
        }

        return rejects;
    }
}
