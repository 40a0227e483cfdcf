using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Tests.Snapshot;

public sealed class SnapshotStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SourceEntry Source(string fingerprint = "f1") => new() { Name = "kb", Kind = "jsonl", SettingsFingerprint = fingerprint };

    private static Task<SnapshotStore> OpenAsync(string folder, string migration, SnapshotOpenMode mode = SnapshotOpenMode.CreateOrResume, string fingerprint = "f1")
        => SnapshotStore.OpenForWriteAsync(folder, migration, [Source(fingerprint)], mode, TimeProvider.System, Ct);

    [Fact]
    public async Task OpenForWrite_FolderOfOtherMigration_RefusesWithWayOut()
    {
        using var temp = new TempFolder();
        await (await OpenAsync(temp.Path, "first")).DisposeAsync();

        var error = await Assert.ThrowsAsync<SnapshotException>(() => OpenAsync(temp.Path, "second"));

        Assert.Contains("holds migration 'first'", error.Message, StringComparison.Ordinal);
        Assert.Contains("--overwrite", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenForWrite_Overwrite_ReplacesOtherMigration()
    {
        using var temp = new TempFolder();
        await (await OpenAsync(temp.Path, "first")).DisposeAsync();

        await using var store = await OpenAsync(temp.Path, "second", SnapshotOpenMode.Overwrite);

        Assert.Equal("second", store.ReadManifest().MigrationId);
    }

    [Fact]
    public async Task OpenForWrite_FolderWithOtherFiles_RefusesAndDeletesNothing()
    {
        using var temp = new TempFolder();
        await File.WriteAllTextAsync(temp.File("notes.txt"), "mine", Ct);

        await Assert.ThrowsAsync<SnapshotException>(() => OpenAsync(temp.Path, "first"));

        Assert.True(File.Exists(temp.File("notes.txt")));
    }

    [Fact]
    public async Task OpenForWrite_ChangedSourceSettings_RefusesResume()
    {
        using var temp = new TempFolder();
        await (await OpenAsync(temp.Path, "first")).DisposeAsync();

        var error = await Assert.ThrowsAsync<SnapshotException>(() => OpenAsync(temp.Path, "first", fingerprint: "f2"));

        Assert.Contains("settings of source 'kb' changed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenForWrite_WhileAnotherWriterHoldsIt_Refuses()
    {
        using var temp = new TempFolder();
        await using var first = await OpenAsync(temp.Path, "first");

        var error = await Assert.ThrowsAsync<SnapshotException>(() => OpenAsync(temp.Path, "first"));

        Assert.Contains("another engram-bulkload process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenForWrite_Resume_DeletesUnlistedAndTemporaryParts()
    {
        using var temp = new TempFolder();
        await (await OpenAsync(temp.Path, "first")).DisposeAsync();
        var orphan = Path.Combine(temp.Path, "records", "kb", "docs", "part-00000.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        await File.WriteAllTextAsync(orphan, "x", Ct);
        await File.WriteAllTextAsync(orphan + ".tmp", "x", Ct);

        await using var store = await OpenAsync(temp.Path, "first");

        Assert.False(File.Exists(orphan));
        Assert.False(File.Exists(orphan + ".tmp"));
    }

    [Fact]
    public async Task OpenForRead_DamagedManifest_RefusesNamingIt()
    {
        using var temp = new TempFolder();
        await File.WriteAllTextAsync(temp.File("manifest.json"), "{ \"migrationId\": ", Ct);

        var error = await Assert.ThrowsAsync<SnapshotException>(() => SnapshotStore.OpenForReadAsync(temp.Path, TimeProvider.System, Ct));

        Assert.Contains("manifest.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }
}
