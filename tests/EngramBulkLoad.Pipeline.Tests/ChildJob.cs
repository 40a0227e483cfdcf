using System.Diagnostics;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>The job as a child process, which a test can kill with SIGKILL (nothing flushed, nothing cleaned up).</summary>
internal static class ChildJob
{
    /// <summary>
    /// Starts the job; kills it (SIGKILL) as soon as <paramref name="killWhen"/> holds (polled every 2 ms) unless
    /// it exited first; a run that neither exits nor meets the condition within 6 minutes (a shared build machine can be that slow) is killed and reported as such.
    /// </summary>
    public static async Task<(bool Exited, int Exit, string Log)> RunAsync(string[] args, Func<bool>? killWhen)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        var deadline = Stopwatch.StartNew();
        while (!process.HasExited)
        {
            if ((killWhen?.Invoke() ?? false) || deadline.Elapsed > TimeSpan.FromMinutes(6))
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(Ct);
                return (false, process.ExitCode, await output + await error);
            }

            await Task.Delay(2, Ct);
        }

        await process.WaitForExitAsync(Ct);
        return (true, process.ExitCode, await output + await error);
    }

    /// <summary>Starts the job; kills it (SIGKILL) after <paramref name="killAfter"/> unless it exited first.</summary>
    public static async Task<(bool Exited, int Exit, string Log)> RunAsync(string[] args, TimeSpan? killAfter)
    {
        var started = Stopwatch.StartNew();
        return await RunAsync(args, killAfter is { } after ? () => started.Elapsed >= after : null);
    }

    private static Process Start(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliPath());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
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
}
