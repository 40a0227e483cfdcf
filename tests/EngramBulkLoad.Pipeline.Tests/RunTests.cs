using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

public sealed class RunTests
{
    [Fact]
    public async Task Run_FilesIntoEngram_HoldsExactlyTheRecordsAndReconciles()
    {
        using var corpus = new TestCorpus(documents: 2_000);
        await using var server = await StartServerAsync();

        var (exit, output, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space);

        Assert.True(exit == 0, error + output);
        Assert.Equal(corpus.ExpectedIds(), Held(server));
        // Every link whose ends were both loaded became an association; the rest are rejects, none lost.
        var loadedLinks = corpus.Links - 1 - (2 * corpus.EmptyTexts);
        Assert.Equal(loadedLinks, server.Store.AssociateCalls.Count);
        var manifest = await ReadManifestAsync(corpus.SnapshotFolder);
        Assert.All(manifest.Parts, part => Assert.Equal(PartState.Loaded, part.State));
        Assert.Equal(corpus.Documents + corpus.Links, manifest.Parts.Sum(p => p.Counts.SourceRows));
        Assert.Equal(corpus.EmptyTexts, manifest.Parts.Sum(p => p.Counts.ExtractRejected));
        Assert.Equal(corpus.Links - loadedLinks, manifest.Parts.Sum(p => p.Counts.AssociationsRejected ?? 0));
        Assert.All(manifest.Parts.Where(p => p.Files.Records is not null), part => Assert.Equal(part.Counts.Staged, part.Counts.Embedded + part.Counts.EmbedRejected));
        Assert.Equal("lexical-hash-768-v1", manifest.Model?.Id);
    }

    [Fact]
    public async Task Run_NoLoad_StopsAfterVectorsAndLoadFinishesLater()
    {
        using var corpus = new TestCorpus(documents: 600);
        await using var server = await StartServerAsync();

        var (exit, output, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--no-load");
        Assert.True(exit == 0, error);
        Assert.Contains("Not loaded", output, StringComparison.Ordinal);
        var manifest = await ReadManifestAsync(corpus.SnapshotFolder);
        Assert.All(manifest.Parts.Where(p => p.Files.Records is not null), part => Assert.Equal(PartState.Embedded, part.State));
        Assert.Empty(Held(server));

        var load = await CliAsync("load", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space);
        Assert.True(load.Exit == 0, load.Error);
        Assert.Equal(corpus.ExpectedIds(), Held(server));
    }

    [Fact]
    public async Task Run_Again_EmbedsAndSendsNothing()
    {
        using var corpus = new TestCorpus(documents: 800);
        await using var server = await StartServerAsync();
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space)).Exit);
        var received = server.Store.RecordsReceived;

        var (exit, output, _) = await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space);

        Assert.Equal(0, exit);
        Assert.Contains("0 parts, 0 records embedded", output, StringComparison.Ordinal);
        Assert.Equal(received, server.Store.RecordsReceived);
        Assert.Equal(corpus.ExpectedIds(), Held(server));
    }

    [Fact]
    public async Task Run_FreshSnapshotReusingVectors_EmbedsOnlyChangedText()
    {
        using var corpus = new TestCorpus(documents: 700);
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--no-load")).Exit);
        // Change the text of three documents, then extract everything again into a new snapshot.
        var lines = await File.ReadAllLinesAsync(Path.Combine(corpus.Folder, "docs.jsonl"), Ct);
        foreach (var i in new[] { 0, 10, 20 })
        {
            lines[i] = lines[i].Replace("Document", "Revised document", StringComparison.Ordinal);
        }

        await File.WriteAllLinesAsync(Path.Combine(corpus.Folder, "docs.jsonl"), lines, Ct);
        var second = Path.Combine(corpus.Folder, "second");

        var (exit, output, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--no-load", "--snapshot", second, "--reuse-vectors", corpus.SnapshotFolder);

        Assert.True(exit == 0, error);
        var withText = corpus.Documents - corpus.EmptyTexts;
        Assert.Contains($"3 records embedded, {withText - 3:N0} reused", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_EngramUnreachable_FailsBeforeExtracting()
    {
        using var corpus = new TestCorpus(documents: 50);

        var (exit, _, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--engram", "http://127.0.0.1:1", "--memory-space", Space);

        Assert.Equal(Errors.ExitCodes.Engram, exit);
        Assert.Contains("127.0.0.1:1", error, StringComparison.Ordinal);
        var manifest = await ReadManifestAsync(corpus.SnapshotFolder);
        Assert.Empty(manifest.Parts);
    }

    [Fact]
    public async Task Run_DryRun_EstimatesFromASampleAndWritesNothing()
    {
        using var corpus = new TestCorpus(documents: 1_000, emptyEvery: 10);

        var (exit, output, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--dry-run", "--sample", "200", "--engram", "http://127.0.0.1:1");

        Assert.True(exit == 0, error);
        Assert.False(Directory.Exists(corpus.SnapshotFolder));
        // 200 sampled documents hold 20 empty texts: scaled to 1,000 that is 900 records and 100 rejects.
        Assert.Matches(@"docs/docs \| ~?1,000 \| 900 \| 100 \| 0 \|", output);
        Assert.Matches(@"docs/docs.edges \| ~?1,001 \| 0 \| 0 \| 1,001 \|", output);
    }

    internal static async Task<SnapshotManifest> ReadManifestAsync(string folder)
    {
        await using var store = await SnapshotStore.OpenForReadAsync(folder, TimeProvider.System, Ct);
        return store.ReadManifest();
    }
}
