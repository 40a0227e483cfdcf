using EngramBulkLoad.Errors;
using static EngramBulkLoad.Tests.Cli.CliTests;

namespace EngramBulkLoad.Tests.Cli;

/// <summary>Usage and config errors: the documented exit code, reported at start, in the config's words.</summary>
public sealed class CliUsageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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

    [Theory]
    [InlineData("""
        , "engram": { "address": "http://engram:50051", "batchSzie": 100 }
        """, "'engram.batchSzie': is not a known setting here. Known settings: activation, address,")]
    [InlineData("""
        , "engram": { "callTimeout": 30 }
        """, "'engram.callTimeout': expected a duration as a string \"hh:mm:ss\" (e.g. \"00:00:30\"), found the number 30.")]
    [InlineData("""
        , "embedding": { "textsPerBath": 8 }
        """, "'embedding.textsPerBath': is not a known setting here.")]
    public async Task Extract_MistakeInASectionExtractDoesNotUse_ReportedAtStartInConfigWords(string section, string expected)
    {
        using var temp = new TempFolder();
        var config = await WriteJobAsync(temp, section);

        var (exit, _, error) = await RunAsync("extract", "-c", config);

        Assert.Equal(ExitCodes.Config, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain(".NET", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("snap")), "nothing may be written before the config is checked");
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
