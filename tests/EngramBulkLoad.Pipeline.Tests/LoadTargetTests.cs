using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>The load state belongs to one Engram and memory space (issue 12, section 4).</summary>
public sealed class LoadTargetTests
{
    private const string OtherSpace = "pipeline-other";

    [Fact]
    public async Task Load_IntoAnotherMemorySpace_RefusedUntilNewTargetThenLoadsEverythingThere()
    {
        using var corpus = new TestCorpus(documents: 300);
        await using var server = await StartServerAsync();
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space)).Exit);
        var sent = server.Store.RecordsReceived;

        var refused = await CliAsync("load", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", OtherSpace);

        Assert.Equal(ExitCodes.Snapshot, refused.Exit);
        Assert.Contains($"memory space '{Space}'", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--new-target", refused.Error, StringComparison.Ordinal);
        Assert.Equal(sent, server.Store.RecordsReceived);
        Assert.Empty(server.Store.Memories(OtherSpace));

        var moved = await CliAsync("load", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", OtherSpace, "--new-target");

        Assert.True(moved.Exit == 0, moved.Error + moved.Output);
        Assert.Equal(corpus.ExpectedIds(), server.Store.Memories(OtherSpace).Select(memory => memory.Id).ToHashSet());
        Assert.Contains($"{corpus.ExpectedIds().Count} loaded", moved.Output, StringComparison.Ordinal);
        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        Assert.Equal(OtherSpace, manifest.LoadTarget?.MemorySpace);
        Assert.Equal(Space, Assert.Single(manifest.PreviousLoadTargets!).MemorySpace);
        Assert.All(manifest.Parts, part => Assert.Equal(PartState.Loaded, part.State));
    }

    [Fact]
    public async Task Load_IntoAnotherServer_RefusedWithTheRecordedTargetNamed()
    {
        using var corpus = new TestCorpus(documents: 200);
        await using var first = await StartServerAsync();
        await using var second = await StartServerAsync();
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--engram", first.Address, "--memory-space", Space)).Exit);

        var (exit, output, error) = await CliAsync("load", "-c", corpus.ConfigPath, "--engram", second.Address, "--memory-space", Space);

        Assert.Equal(ExitCodes.Snapshot, exit);
        Assert.DoesNotContain("0 loaded", output, StringComparison.Ordinal);
        Assert.Contains($"--engram {new Uri(first.Address).GetLeftPart(UriPartial.Authority)} --memory-space {Space}", error, StringComparison.Ordinal);
        Assert.Equal(0, second.Store.RecordsReceived);
    }

    [Fact]
    public async Task Load_SameTargetUnderEquivalentAddress_Resumes()
    {
        using var corpus = new TestCorpus(documents: 100);
        await using var server = await StartServerAsync();
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space)).Exit);

        var (exit, output, error) = await CliAsync("load", "-c", corpus.ConfigPath, "--engram", server.Address.TrimEnd('/') + "/", "--memory-space", Space);

        Assert.True(exit == 0, error);
        Assert.Contains("This run: 0 loaded", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OverwriteOfLoadedSnapshot_RefusedUntilOverwriteLoaded()
    {
        using var corpus = new TestCorpus(documents: 200);
        await using var server = await StartServerAsync();
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space)).Exit);
        var before = await File.ReadAllTextAsync(Path.Combine(corpus.SnapshotFolder, "manifest.json"), Ct);

        var refused = await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space, "--overwrite");

        Assert.Equal(ExitCodes.Snapshot, refused.Exit);
        Assert.Contains("sends every record and association again", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--overwrite-loaded", refused.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(corpus.SnapshotFolder, "manifest.json"), Ct));

        var received = server.Store.RecordsReceived;
        var accepted = await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space, "--overwrite-loaded");

        Assert.True(accepted.Exit == 0, accepted.Error);
        Assert.Contains("warning: --overwrite-loaded", accepted.Error, StringComparison.Ordinal);
        Assert.Equal(received + corpus.ExpectedIds().Count, server.Store.RecordsReceived);
    }

    [Fact]
    public async Task Rollback_OfAnotherMemorySpace_RefusedAndStateKept()
    {
        using var corpus = new TestCorpus(documents: 100);
        await using var server = await StartServerAsync();
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space)).Exit);

        var (exit, _, error) = await CliAsync("rollback", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", OtherSpace);

        Assert.Equal(ExitCodes.Snapshot, exit);
        Assert.Contains($"--memory-space {Space}", error, StringComparison.Ordinal);
        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        Assert.All(manifest.Parts, part => Assert.Equal(PartState.Loaded, part.State));
    }
    [Fact]
    public async Task Load_AfterAKillLeftJournalsOfAnotherSpace_RefusedThenNewTargetDropsThem()
    {
        // A load killed inside its first parts leaves progress journals and no part Loaded: those rows were
        // acknowledged by the recorded space, so another space must neither adopt the state nor skip them.
        using var corpus = new TestCorpus(documents: 200);
        await using var server = await StartServerAsync();
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space)).Exit);
        var manifestPath = Path.Combine(corpus.SnapshotFolder, "manifest.json");
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(manifestPath, Ct))!;
        foreach (var part in manifest["parts"]!.AsArray())
        {
            part!["state"] = part["files"]!["vectors"] is null ? part["state"]!.GetValue<string>() : "Embedded";
            part.AsObject().Remove("loadedAt");
            part["counts"]!.AsObject().Remove("loaded");
            part["counts"]!.AsObject().Remove("loadRejected");
            part["counts"]!.AsObject().Remove("associations");
            part["counts"]!.AsObject().Remove("associationsRejected");
        }

        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString(), Ct);
        var journal = Path.Combine(corpus.SnapshotFolder, "progress", "load", "docs", "articles", "part-00000.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(journal)!);
        await File.WriteAllTextAsync(journal, "{}\n", Ct);

        var refused = await CliAsync("load", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", OtherSpace);

        Assert.Equal(ExitCodes.Snapshot, refused.Exit);
        Assert.Contains("--new-target", refused.Error, StringComparison.Ordinal);
        Assert.Empty(server.Store.Memories(OtherSpace));

        var moved = await CliAsync("load", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", OtherSpace, "--new-target");

        Assert.True(moved.Exit == 0, moved.Error + moved.Output);
        Assert.False(File.Exists(journal));
        Assert.Equal(corpus.ExpectedIds(), server.Store.Memories(OtherSpace).Select(memory => memory.Id).ToHashSet());
    }
}
