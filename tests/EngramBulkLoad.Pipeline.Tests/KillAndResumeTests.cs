using System.Diagnostics;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>
/// The job as a child process, killed with SIGKILL at random moments (nothing can be flushed or cleaned
/// up), then started again with the same arguments until it finishes: Engram must hold exactly the
/// source's records, each once, with every association.
/// </summary>
public sealed class KillAndResumeTests
{
    [Fact]
    public async Task Run_KilledAtRandomPoints_ResumesToExactCounts()
    {
        using var corpus = new TestCorpus(documents: 10_000, partSize: 400);
        await using var server = await StartServerAsync();
        var random = new Random(20261124);
        var kills = 0;
        string[] args = ["run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space, "--progress-interval", "00:00:01"];

        for (var attempt = 0; attempt < 6; attempt++)
        {
            var delay = TimeSpan.FromMilliseconds(random.Next(400, 1_600));
            var (exited, exit, log) = await RunChildAsync(args, killAfter: delay);
            if (exited)
            {
                Assert.True(exit == 0, log);
                break;
            }

            kills++;
            TestContext.Current.TestOutputHelper?.WriteLine($"attempt {attempt}: killed after {delay.TotalMilliseconds} ms");
        }

        var (_, finalExit, finalLog) = await RunChildAsync(args, killAfter: null);

        Assert.True(finalExit == 0, finalLog);
        Assert.True(kills > 0, "no run was killed; the corpus loads too fast for this test to mean anything.");
        Assert.Equal(corpus.ExpectedIds(), Held(server));
        Assert.Equal(corpus.Links - 1 - (2 * corpus.EmptyTexts), server.Store.AssociateCalls.Select(a => (a.Source, a.Target)).Distinct().Count());
        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        Assert.Equal(corpus.Documents + corpus.Links, manifest.Parts.Sum(p => p.Counts.SourceRows));
        Assert.Equal(corpus.ExpectedIds().Count, manifest.Parts.Sum(p => p.Counts.Loaded ?? 0));
    }

    /// <summary>
    /// The job as its own build output has it: the copy beside the tests runs against the tests' dependency
    /// versions (the test server brings ASP.NET Core's), not the ones the job ships with.
    /// </summary>
    private static string CliPath()
    {
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = bin.Parent!.Name;
        var root = bin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EngramBulkLoad.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("The tests run outside the repository."), "src", "EngramBulkLoad.Cli", "bin", configuration, bin.Name, "engram-bulkload.dll");
        Assert.True(File.Exists(path), $"{path} is missing; build the solution first.");
        return path;
    }

    /// <summary>Starts the job; kills it (SIGKILL) after <paramref name="killAfter"/> unless it exited first.</summary>
    private static async Task<(bool Exited, int Exit, string Log)> RunChildAsync(string[] args, TimeSpan? killAfter)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliPath());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(killAfter ?? TimeSpan.FromMinutes(3));
        var exited = true;
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            exited = false;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
        }

        return (exited, process.ExitCode, await output + await error);
    }
}
