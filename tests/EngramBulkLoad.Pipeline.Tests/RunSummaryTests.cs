using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>The last lines of <c>run</c>: the three numbers, then a next command that works when typed as printed.</summary>
public sealed class RunSummaryTests
{
    [Fact]
    public async Task Run_Loaded_EndsWithTheNumbersAndARecallAllCommandThatPasses()
    {
        using var corpus = new TestCorpus(documents: 300);
        await using var server = await StartServerAsync();

        var (exit, output, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space);

        Assert.True(exit == 0, error + output);
        var last = output.TrimEnd().Split('\n').TakeLast(4).Select(line => line.TrimEnd()).ToList();
        Assert.StartsWith("Records in:        ", last[0], StringComparison.Ordinal);
        Assert.StartsWith("Memories expected: ", last[1], StringComparison.Ordinal);
        Assert.StartsWith("Memories held:     ", last[2], StringComparison.Ordinal);
        Assert.StartsWith("Next: recall every loaded record", last[3], StringComparison.Ordinal);
        var next = Arguments(last[3], "validate");
        Assert.Equal(["--memory-space", Space, "--recall", "all"], next[^4..]);

        var again = await CliAsync(next);

        Assert.True(again.Exit == 0, again.Error + again.Output);
        Assert.Matches(@"recall all\s+PASSED", again.Output);
    }

    [Fact]
    public async Task Run_NoLoad_NextIsALoadCommandThatLoads()
    {
        using var corpus = new TestCorpus(documents: 300);
        await using var server = await StartServerAsync();

        var (exit, output, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--no-load");

        Assert.True(exit == 0, error + output);
        var last = output.TrimEnd().Split('\n')[^1].TrimEnd();
        Assert.Contains(" load -c ", last, StringComparison.Ordinal);
        // The printed address is a placeholder for the user's Engram; here it is the test server.
        var load = await CliAsync([.. Arguments(last.Replace("http://HOST:50051", server.Address, StringComparison.Ordinal), "load"), "--memory-space", Space]);

        Assert.True(load.Exit == 0, load.Error + load.Output);
        Assert.Equal(corpus.ExpectedIds(), Held(server));
    }

    /// <summary>The arguments of a printed command from its subcommand on (the temporary paths have no spaces, so no quoting).</summary>
    private static string[] Arguments(string line, string subcommand)
    {
        var at = line.LastIndexOf($" {subcommand} ", StringComparison.Ordinal);
        Assert.True(at >= 0, $"expected a '{subcommand}' command in: {line}");
        return line[(at + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
