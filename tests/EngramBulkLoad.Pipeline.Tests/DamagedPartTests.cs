using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>A damaged part file: inspect names it, the error names the command, and that command redoes the part (issue 12, section 5).</summary>
public sealed class DamagedPartTests
{
    [Fact]
    public async Task TruncatedRecordsFile_InspectNamesIt_EmbedNamesTheCommand_ExtractRedoRestoresThePart()
    {
        using var corpus = new TestCorpus(documents: 600, partSize: 200);
        Assert.Equal(0, (await CliAsync("extract", "-c", corpus.ConfigPath)).Exit);
        var before = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        var damaged = before.Parts.First(p => p.Collection == "docs" && p.Index == 1);
        var path = Path.Combine(corpus.SnapshotFolder, damaged.Files.Records!.Path);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)], Ct);

        var inspect = await CliAsync("inspect", corpus.SnapshotFolder);
        var embed = await CliAsync("embed", "-c", corpus.ConfigPath);

        Assert.Equal(ExitCodes.Snapshot, inspect.Exit);
        Assert.Contains("1 DAMAGED in 1 part(s)", inspect.Output, StringComparison.Ordinal);
        Assert.Contains($"docs/docs part 1: {damaged.Files.Records.Path}", inspect.Output, StringComparison.Ordinal);
        Assert.Contains("NO (damaged files)", inspect.Output, StringComparison.Ordinal);
        Assert.Contains("extract --config JOB --snapshot", inspect.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Snapshot, embed.Exit);
        Assert.Contains($"extract --config {corpus.ConfigPath} --redo-damaged'", embed.Error, StringComparison.Ordinal);

        // The command the message names, as written.
        var redo = await CliAsync("extract", "--config", corpus.ConfigPath, "--redo-damaged");

        Assert.True(redo.Exit == 0, redo.Error);
        Assert.Contains("docs/docs part 1", redo.Error, StringComparison.Ordinal);
        var after = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        var part = after.Parts.First(p => p.Collection == "docs" && p.Index == 1);
        Assert.Equal((damaged.Counts.SourceRows, damaged.Counts.Staged, damaged.Counts.ExtractRejected, damaged.Cursor), (part.Counts.SourceRows, part.Counts.Staged, part.Counts.ExtractRejected, part.Cursor));
        Assert.Equal(before.Parts.Count, after.Parts.Count);
        Assert.Equal(0, (await CliAsync("inspect", corpus.SnapshotFolder)).Exit);
        await using var server = await StartServerAsync();
        var run = await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space);
        Assert.True(run.Exit == 0, run.Error + run.Output);
        Assert.Equal(corpus.ExpectedIds(), Held(server));
    }

    [Fact]
    public async Task VectorsFileOfAnotherPart_InspectSaysRowCountsDiffer_EmbedRedoReembedsOnlyThatPart()
    {
        using var corpus = new TestCorpus(documents: 500, partSize: 200);
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--no-load")).Exit);
        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        var docs = manifest.Parts.Where(p => p.Collection == "docs").OrderBy(p => p.Index).ToList();
        File.Copy(Path.Combine(corpus.SnapshotFolder, docs[2].Files.Vectors!.Path), Path.Combine(corpus.SnapshotFolder, docs[0].Files.Vectors!.Path), overwrite: true);

        var inspect = await CliAsync("inspect", corpus.SnapshotFolder);

        Assert.Equal(ExitCodes.Snapshot, inspect.Exit);
        Assert.Contains($"its footer counts {docs[2].Files.Vectors!.Rows} rows, the manifest {docs[0].Files.Vectors!.Rows}", inspect.Output, StringComparison.Ordinal);
        Assert.Contains("embed --config JOB", inspect.Output, StringComparison.Ordinal);

        var redo = await CliAsync("embed", "-c", corpus.ConfigPath, "--redo-damaged");

        Assert.True(redo.Exit == 0, redo.Error);
        Assert.Contains("Embedded 1 parts", redo.Output, StringComparison.Ordinal);
        Assert.Equal(0, (await CliAsync("inspect", corpus.SnapshotFolder)).Exit);
        var after = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        Assert.Equal(docs[0].Files.Vectors!.Rows, after.Parts.Single(p => p.Collection == "docs" && p.Index == 0).Files.Vectors!.Rows);
    }
}
