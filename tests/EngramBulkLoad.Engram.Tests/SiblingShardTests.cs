using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Loading.Shards;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Engram.Tests.TestSupport;

namespace EngramBulkLoad.Engram.Tests;

/// <summary>How a shard finds its sibling shards' snapshots, judges whether their memories are loaded, and gives up waiting.</summary>
public sealed class SiblingShardTests : IDisposable
{
    private const string Migration = "mig-shards";

    private readonly string _root = Directory.CreateTempSubdirectory("ebl-siblings-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Find_SnapshotIsNotAShard_HasNoSiblings()
    {
        Assert.Null(SiblingShards.Find(Path.Combine(_root, "snapshot"), Own(shard: null)));
        Assert.Null(SiblingShards.Find(Path.Combine(_root, "shard-0-of-1"), Own(shard: "0/1")));
    }

    [Fact]
    public void Find_Shard1Of3_SiblingsAreShards0And2BesideIt()
    {
        var shards = SiblingShards.Find(Path.Combine(_root, "shard-1-of-3"), Own(shard: "1/3"));

        Assert.NotNull(shards);
        Assert.Equal("1/3", shards.Own.ToString());
        Assert.Equal(["0/3", "2/3"], shards.Siblings.Select(sibling => sibling.Shard.ToString()));
        Assert.Equal([Path.Combine(_root, "shard-0-of-3"), Path.Combine(_root, "shard-2-of-3")], shards.Siblings.Select(sibling => sibling.Folder));
    }

    [Fact]
    public void Find_FolderNotNamedForItsShard_RefusedNamingTheExpectedFolder()
    {
        var error = Assert.Throws<SnapshotException>(() => SiblingShards.Find(Path.Combine(_root, "my-shard"), Own(shard: "1/3")));

        Assert.Contains("'shard-1-of-3'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_DamagedShardInManifest_Refused()
    {
        var error = Assert.Throws<SnapshotException>(() => SiblingShards.Find(Path.Combine(_root, "shard-5-of-3"), Own(shard: "5/3")));

        Assert.Contains("'5/3'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NoManifest_NotStarted()
    {
        var status = await SiblingStatus.ReadAsync(Sibling(1), Own(), TimeProvider.System, Token);

        Assert.Null(status.Snapshot);
        Assert.Contains("not started", status.Missing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_SiblingOfAnotherMigration_Refused()
    {
        var error = await Assert.ThrowsAsync<SnapshotException>(() => StatusAsync(manifest => Complete(manifest, PartState.Loaded), migrationId: "mig-other"));

        Assert.Contains("'mig-other'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{Migration}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_FolderHoldsAnotherShard_Refused()
    {
        var error = await Assert.ThrowsAsync<SnapshotException>(() => StatusAsync(manifest =>
        {
            Complete(manifest, PartState.Loaded);
            manifest.Shard = "0/2";
        }));

        Assert.Contains("shard 0/2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_ExtractionUnfinished_NotReady()
    {
        var status = await StatusAsync(manifest =>
        {
            Complete(manifest, PartState.Loaded);
            manifest.Collections[0].Completed = false;
        });

        Assert.Null(status.Snapshot);
        Assert.Contains("extracting: 0 of 1 collections", status.Missing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_CollectionThisShardHasNotStartedThere_NotReady()
    {
        var own = Own();
        own.Collections.Add(new CollectionProgress { Source = "docs", Collection = "docs.edges", Completed = true });

        var status = await StatusAsync(manifest => Complete(manifest, PartState.Loaded), own);

        Assert.Null(status.Snapshot);
        Assert.Contains("extracting: 1 of 2 collections", status.Missing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_PartsNotLoaded_NotReady()
    {
        var status = await StatusAsync(manifest => Complete(manifest, PartState.Embedded));

        Assert.Null(status.Snapshot);
        Assert.Contains("0 of 1 parts loaded", status.Missing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_ExtractedAndLoaded_ReadyWithItsSnapshot()
    {
        var status = await StatusAsync(manifest => Complete(manifest, PartState.Loaded));

        Assert.Null(status.Missing);
        await using var snapshot = status.Snapshot;
        Assert.NotNull(snapshot);
        Assert.Equal("1/2", snapshot.ReadManifest().Shard);
    }

    [Fact]
    public async Task Wait_SiblingNeverStarts_TimesOutNamingItAndHowToFinish()
    {
        var shards = SiblingShards.Find(Path.Combine(_root, "shard-0-of-2"), Own())!;
        var reports = new List<string?>();
        var wait = new SiblingWait(shards, TimeProvider.System, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(20), reports.Add);

        var error = await Assert.ThrowsAsync<SnapshotException>(() => wait.WaitAsync(Own(), Token)).WaitAsync(TestTimeout, Token);

        Assert.Contains("shard 1/2 (not started", error.Message, StringComparison.Ordinal);
        Assert.Contains("--shard 1/2", error.Message, StringComparison.Ordinal);
        Assert.Contains("'load --shard 0/2' again", error.Message, StringComparison.Ordinal);
        Assert.Contains(reports, report => report?.Contains("wait for sibling shards", StringComparison.Ordinal) == true && report.Contains("shard 1/2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wait_SiblingsReady_ReturnsTheirSnapshots()
    {
        await WriteSiblingAsync(Migration, manifest => Complete(manifest, PartState.Loaded));
        var shards = SiblingShards.Find(Path.Combine(_root, "shard-0-of-2"), Own())!;
        var reports = new List<string?>();
        var wait = new SiblingWait(shards, TimeProvider.System, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(20), reports.Add);

        var siblings = await wait.WaitAsync(Own(), Token).WaitAsync(TestTimeout, Token);

        await using var sibling = Assert.Single(siblings);
        Assert.Equal(Path.Combine(_root, "shard-1-of-2"), sibling.Folder);
        Assert.Null(Assert.Single(reports));
    }

    [Fact]
    public async Task Wait_Cancelled_StopsWaiting()
    {
        var shards = SiblingShards.Find(Path.Combine(_root, "shard-0-of-2"), Own())!;
        var wait = new SiblingWait(shards, TimeProvider.System, TimeSpan.FromHours(1), TimeSpan.FromHours(1), _ => { });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var waiting = wait.WaitAsync(Own(), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting).WaitAsync(TestTimeout, Token);
    }

    /// <summary>Shard 0/2's manifest with one completed collection.</summary>
    private static SnapshotManifest Own(string? shard = "0/2")
        => new()
        {
            MigrationId = Migration,
            Shard = shard,
            Collections = [new CollectionProgress { Source = "docs", Collection = "docs", Completed = true }],
        };

    private SiblingShard Sibling(int index) => new(new ShardSpec(index, 2), Path.Combine(_root, SnapshotLayout.ShardFolderName(index, 2)));

    /// <summary>Extraction of the one collection complete, its one part in <paramref name="state"/>.</summary>
    private static void Complete(SnapshotManifest manifest, PartState state)
    {
        manifest.Collections.Add(new CollectionProgress { Source = "docs", Collection = "docs", Completed = true, NextPartIndex = 1 });
        manifest.Parts.Add(new PartEntry { Source = "docs", Collection = "docs", Index = 0, State = state });
    }

    /// <summary>Writes shard 1/2's manifest (changed by <paramref name="change"/>) and judges it from shard 0/2.</summary>
    private async Task<SiblingStatus> StatusAsync(Action<SnapshotManifest> change, SnapshotManifest? own = null, string migrationId = Migration)
    {
        await WriteSiblingAsync(migrationId, change);
        return await SiblingStatus.ReadAsync(Sibling(1), own ?? Own(), TimeProvider.System, Token);
    }

    /// <summary>Writes the manifest of shard 1/2 as extract would, changed by <paramref name="change"/>.</summary>
    private async Task WriteSiblingAsync(string migrationId, Action<SnapshotManifest> change)
    {
        await using var store = await SnapshotStore.OpenForWriteAsync(
            Sibling(1).Folder, migrationId, [new SourceEntry { Name = "docs", Kind = "jsonl", SettingsFingerprint = "f" }], SnapshotOpenMode.CreateOrResume, TimeProvider.System, Token);
        await store.UpdateAsync(
            manifest =>
            {
                manifest.Shard = "1/2";
                change(manifest);
            },
            Token);
    }
}
