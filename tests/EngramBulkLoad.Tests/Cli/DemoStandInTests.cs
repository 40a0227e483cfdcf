using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EngramBulkLoad.Cli;
using EngramBulkLoad.Engram.TestServer;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Tests.Cli;

/// <summary>
/// The demo without an Engram: it loads into the in-memory stand-in over gRPC, validates with recall, says
/// plainly that the stand-in is not Engram, and prints a command that loads the same snapshot into a real one.
/// These tests need no ENGRAM_URL in the environment (with one, the demo loads there instead).
/// </summary>
public sealed partial class DemoStandInTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Demo_NoEngram_LoadsIntoStandInAssociatesAndPassesValidationWithRecall()
    {
        RequireNoEngramUrl();
        using var temp = new TempFolder();
        var (records, edges) = CountCorpus();

        var (exit, output, error) = await RunAsync("demo", "--snapshot", temp.File("demo"));

        Assert.True(exit == 0, output + error);
        Assert.Contains("Validation PASSED", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^recall sample\s+PASS", output);
        var loaded = StandInSummary().Match(output);
        Assert.True(loaded.Success, output);
        var (held, merged, received, associations) = (Number(loaded, 1), Number(loaded, 2), Number(loaded, 3), Number(loaded, 4));
        // Every record of the corpus was loaded (a retry may send a few twice, under the same id), every edge was
        // acknowledged as an association, and the stand-in holds the corpus less what Engram's deduplication merged,
        // which is what validation predicted from the vectors.
        Assert.Matches($@"This run: {records} loaded, 0 rejected", output);
        Assert.True(received >= records, $"{received} Remember requests for {records} records");
        Assert.Equal(edges, associations);
        Assert.Equal(records - merged, held);
        Assert.Contains($"so Engram should hold {held}", output, StringComparison.Ordinal);
        Assert.Contains("It is not Engram", output, StringComparison.Ordinal);
        Assert.Contains("Its memories vanish when the demo ends.", output, StringComparison.Ordinal);
        Assert.Contains("--engram http://HOST:50051 or set ENGRAM_URL", error, StringComparison.Ordinal);
        // The report names the stand-in, not "Engram".
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(temp.File("demo"), "report", "report.json"), Ct));
        var engram = FindString(report.RootElement, "engram") ?? string.Empty;
        Assert.Contains("in-memory Engram stand-in (not Engram", engram, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_PrintedCommandForARealEngram_LoadsTheSameSnapshotIntoEngramTestServer()
    {
        RequireNoEngramUrl();
        using var temp = new TempFolder();
        var (records, edges) = CountCorpus();
        var first = await RunAsync("demo", "--snapshot", temp.File("demo"));
        Assert.True(first.Exit == 0, first.Output + first.Error);
        var held = Number(StandInSummary().Match(first.Output), 1);
        await using var engram = await EngramTestServer.StartAsync(cancellationToken: Ct);

        // The summary's last line, as printed, with the placeholder replaced by the server's address.
        var hint = first.Output.TrimEnd().Split('\n')[^1].Trim();
        Assert.StartsWith("Next: load this snapshot into a real Engram", hint, StringComparison.Ordinal);
        Assert.EndsWith($"demo --snapshot {temp.File("demo")} --engram http://HOST:50051 --new-target", hint, StringComparison.Ordinal);
        var command = hint[(hint.IndexOf(" demo ", StringComparison.Ordinal) + 1)..].Replace("http://HOST:50051", engram.Address, StringComparison.Ordinal);
        var second = await RunAsync(command.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.True(second.Exit == 0, second.Output + second.Error);
        Assert.Contains("Validation PASSED", second.Output, StringComparison.Ordinal);
        Assert.Contains($"against {engram.Address}, space 'demo'", second.Error, StringComparison.Ordinal);
        Assert.Equal(records, engram.Store.RequestsPerId.Count);
        // Distinct calls, since a retry may send one twice; the reason names the edge's relation, so two edges between
        // the same memories under relations of one association type stay two.
        Assert.Equal(edges, engram.Store.AssociateCalls.Select(call => (call.Source, call.Target, call.Type, call.Reason)).Distinct().Count());
        Assert.Equal(held, engram.Store.Count("demo"));
        // The snapshot was resumed, not redone: the second run embedded nothing new.
        Assert.Contains("Embed: 0 parts", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_RunAgainOnTheSameSnapshot_SendsEverythingToTheNewStandInAndSaysSo()
    {
        RequireNoEngramUrl();
        using var temp = new TempFolder();
        var (records, _) = CountCorpus();
        Assert.Equal(0, (await RunAsync("demo", "--snapshot", temp.File("demo"))).Exit);

        var (exit, output, error) = await RunAsync("demo", "--snapshot", temp.File("demo"));

        Assert.True(exit == 0, output + error);
        Assert.Contains("Validation PASSED", output, StringComparison.Ordinal);
        Assert.Contains("the stand-in starts empty, so every part is sent again", error, StringComparison.Ordinal);
        Assert.Matches($@"This run: {records} loaded, 0 rejected", output);
        Assert.True(Number(StandInSummary().Match(output), 3) >= records);
    }

    [Fact]
    public async Task Demo_NamedEngramDoesNotAnswer_FailsBeforeExtractingAndSaysHowToUseTheStandIn()
    {
        using var temp = new TempFolder();
        var port = FreePort();

        var (exit, _, error) = await RunAsync("demo", "--snapshot", temp.File("demo"), "--engram", $"http://127.0.0.1:{port}");

        Assert.Equal(ExitCodes.Engram, exit);
        Assert.Contains("did not answer", error, StringComparison.Ordinal);
        Assert.Contains("give neither --engram nor ENGRAM_URL", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.File("demo")), "nothing is extracted when the named Engram does not answer");
    }

    /// <summary>
    /// The command line in this process, as <see cref="CliTests.RunAsync"/>, with room for a whole demo on a busy
    /// 2-core machine (a guard against a hang, not a speed check: the demo's time is measured in the README).
    /// </summary>
    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, new CliContext(output, error, TimeProvider.System), Ct).WaitAsync(TimeSpan.FromMinutes(6), Ct);
        return (exit, output.ToString(), error.ToString());
    }

    [GeneratedRegex(@"Loaded into the in-memory Engram stand-in at http://127\.0\.0\.1:\d+, space 'demo': it holds ([\d,]+) memories \(([\d,]+) merged into a near-duplicate, as Engram merges them\) after ([\d,]+) Remember requests \(re-sends after a retry included\), and acknowledged ([\d,]+) associations\.")]
    private static partial Regex StandInSummary();

    private static long Number(Match match, int group)
    {
        Assert.True(match.Success, "the stand-in's summary line was not printed");
        return long.Parse(match.Groups[group].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Records and edges in the bundled corpus, read off the demo's config and files: a JSON line is a record or an
    /// edge; a CSV row after the header is a record (the corpus has no line breaks inside fields).
    /// </summary>
    private static (long Records, long Edges) CountCorpus()
    {
        var samples = Path.Combine(AppContext.BaseDirectory, "samples");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(samples, "demo.json")), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        long records = 0, edges = 0;
        foreach (var source in config.RootElement.GetProperty("sources").EnumerateArray())
        {
            var kind = source.GetProperty("kind").GetString();
            var lines = NonEmptyLines(Path.Combine(samples, source.GetProperty("path").GetString()!));
            records += kind switch
            {
                "jsonl" => lines,
                "csv" => lines - 1,
                _ => throw new InvalidOperationException($"the demo's source kind '{kind}' is not counted by this test; count it here."),
            };
            if (source.TryGetProperty("edges", out var edgeFile))
            {
                edges += NonEmptyLines(Path.Combine(samples, edgeFile.GetProperty("path").GetString()!));
            }
        }

        return (records, edges);
    }

    private static long NonEmptyLines(string path) => File.ReadLines(path).LongCount(line => !string.IsNullOrWhiteSpace(line));

    private static string? FindString(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
            {
                return property.Value.GetString();
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RequireNoEngramUrl()
        => Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ENGRAM_URL")), "ENGRAM_URL is set: the demo would load into that Engram, not the stand-in. Unset it for these tests.");
}
