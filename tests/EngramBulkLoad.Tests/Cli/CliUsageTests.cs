using EngramBulkLoad.Cli;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Tests.Cli;

/// <summary>Usage and config errors: the documented exit code, reported at start, in the config's words.</summary>
public sealed class CliUsageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, new CliContext(output, error, TimeProvider.System), Ct).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        return (exit, output.ToString(), error.ToString());
    }

    private static async Task<string> WriteJobAsync(TempFolder temp, string extra = "", string path = "a.jsonl")
    {
        await File.WriteAllLinesAsync(temp.File("a.jsonl"), ["""{"id": 1, "t": "x"}"""], Ct);
        var config = temp.File("job.json");
        await File.WriteAllTextAsync(config, $$"""{ "migrationId": "one", "snapshot": "snap", "sources": [ { "name": "a", "kind": "jsonl", "path": "{{path}}", "key": "id", "text": "t" } ]{{extra}} }""", Ct);
        return config;
    }

    [Fact]
    public async Task Extract_UnknownFlag_ExitsWithConfigCode()
    {
        var (exit, _, error) = await RunAsync("extract", "--config", "/tmp/job.json", "--no-such-flag");

        Assert.Equal(ExitCodes.Config, exit);
        Assert.Contains("--no-such-flag", error, StringComparison.Ordinal);
        Assert.Contains("extract --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_TypoInEngramSection_ReportedAtStartInConfigWords()
    {
        using var temp = new TempFolder();
        var config = await WriteJobAsync(temp, """, "engram": { "address": "http://engram:50051", "batchSzie": 100 }""");

        var (exit, _, error) = await RunAsync("extract", "-c", config);

        Assert.Equal(ExitCodes.Config, exit);
        Assert.Contains("'engram.batchSzie': is not a known setting here", error, StringComparison.Ordinal);
        Assert.Contains("batchSize", error, StringComparison.Ordinal);
        Assert.DoesNotContain(".NET", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("snap")), "nothing may be written before the config is checked");
    }

    [Fact]
    public async Task Extract_WrongTypeInEngramSection_SaysWhatWasExpected()
    {
        using var temp = new TempFolder();
        var config = await WriteJobAsync(temp, """, "engram": { "callTimeout": 30 }""");

        var (exit, _, error) = await RunAsync("extract", "-c", config);

        Assert.Equal(ExitCodes.Config, exit);
        Assert.Contains("'engram.callTimeout': expected a duration", error, StringComparison.Ordinal);
        Assert.Contains("found the number 30", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_TypoInEmbeddingSection_ReportedByExtract()
    {
        using var temp = new TempFolder();
        var config = await WriteJobAsync(temp, """, "embedding": { "textsPerBath": 8 }""");

        var (exit, _, error) = await RunAsync("extract", "-c", config);

        Assert.Equal(ExitCodes.Config, exit);
        Assert.Contains("'embedding.textsPerBath'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_MissingSourceFile_NoDoneLineNoManifestAndFixedConfigRunsWithoutOverwrite()
    {
        using var temp = new TempFolder();
        var config = await WriteJobAsync(temp, path: "missing.jsonl");

        var failed = await RunAsync("extract", "-c", config);

        Assert.Equal(ExitCodes.Source, failed.Exit);
        Assert.DoesNotContain("done", failed.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.File("snap"), "manifest.json")), "a failed extract writes no manifest");

        config = await WriteJobAsync(temp);
        var fixedRun = await RunAsync("extract", "-c", config);

        Assert.True(fixedRun.Exit == 0, fixedRun.Error);
        Assert.Contains("[extract] done: 1 rows", fixedRun.Error, StringComparison.Ordinal);
    }
}
