using EngramBulkLoad.Cli;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Tests.Cli;

public sealed class CliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs the command line in this process, as a user would type it.</summary>
    internal static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, new CliContext(output, error, TimeProvider.System), Ct).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Demo_BundledCorpus_ExtractsEverythingAndReconciles()
    {
        using var temp = new TempFolder();

        var (exit, output, error) = await RunAsync("demo", "--snapshot", temp.File("demo"));

        Assert.True(exit == 0, error);
        Assert.Matches(@"total\s+12\s+7,872\s+3,820\s+0\s+4,052\s+yes", output);
        Assert.Contains("Embed: 6 parts, 3,820 records embedded", output, StringComparison.Ordinal);
        Assert.Contains("Validation PASSED", output, StringComparison.Ordinal);
        // The output ends with the three numbers, then the next step: the demo again with an Engram, into the demo's space, without a config under bin/.
        var last = output.TrimEnd().Split('\n').TakeLast(4).ToList();
        Assert.StartsWith("Records in:        7,872 (source rows)", last[0], StringComparison.Ordinal);
        Assert.StartsWith("Memories expected: 3,", last[1], StringComparison.Ordinal);
        Assert.Equal("Memories held:     none: not loaded into Engram (vectors only).", last[2].TrimEnd());
        Assert.StartsWith("Next: load the vectors into an Engram", last[3], StringComparison.Ordinal);
        Assert.EndsWith($"demo --snapshot {temp.File("demo")} --engram http://HOST:50051", last[3].TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("demo.json", last[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_BundledCorpus_NearDuplicatesAreOnlyTheLabelledOnesAndUnderTwoPercent()
    {
        // samples/generate_corpus.py repeats six texts on purpose (DUPLICATES); a realistic corpus has
        // no others, so a newcomer is not taught that Engram swallows half of what is loaded.
        using var temp = new TempFolder();

        var (exit, output, error) = await RunAsync("demo", "--snapshot", temp.File("demo"));

        Assert.True(exit == 0, error);
        var merged = System.Text.RegularExpressions.Regex.Match(output, @"(\d+) of (\d+) memories are expected to merge into another \((\d+) have the same text");
        Assert.True(merged.Success, output);
        var (folded, total, identical) = (int.Parse(merged.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(merged.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(merged.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3820, total);
        Assert.Equal(6, identical);
        Assert.True(folded * 50 < total, $"{folded} of {total} memories would merge: over 2 %.");
    }

    [Fact]
    public async Task Extract_MissingConfigFile_ExitsWithConfigCode()
    {
        var (exit, _, error) = await RunAsync("extract", "--config", "/nonexistent/job.json");

        Assert.Equal(ExitCodes.Config, exit);
        Assert.Contains("config file does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_FolderWithoutSnapshot_ExitsWithSnapshotCode()
    {
        using var temp = new TempFolder();

        var (exit, _, error) = await RunAsync("inspect", temp.Path);

        Assert.Equal(ExitCodes.Snapshot, exit);
        Assert.Contains("not a snapshot folder", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_SecondMigrationIntoSameFolder_RefusedUntilOverwrite()
    {
        using var temp = new TempFolder();
        await File.WriteAllLinesAsync(temp.File("a.jsonl"), ["""{"id": 1, "t": "x"}"""], Ct);
        await File.WriteAllTextAsync(temp.File("job.json"), """{ "migrationId": "one", "snapshot": "snap", "sources": [ { "name": "a", "kind": "jsonl", "path": "a.jsonl", "key": "id", "text": "t" } ] }""", Ct);
        Assert.Equal(0, (await RunAsync("extract", "-c", temp.File("job.json"))).Exit);

        var refused = await RunAsync("extract", "-c", temp.File("job.json"), "--migration-id", "two");
        var replaced = await RunAsync("extract", "-c", temp.File("job.json"), "--migration-id", "two", "--overwrite");

        Assert.Equal(ExitCodes.Snapshot, refused.Exit);
        Assert.Equal(0, replaced.Exit);
    }
}
