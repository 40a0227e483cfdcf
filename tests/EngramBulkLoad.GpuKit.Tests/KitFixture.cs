using System.Diagnostics;

namespace EngramBulkLoad.GpuKit.Tests;

/// <summary>Runs benchmarks/gpu/prepare.sh --cpu once for the class: a self-contained publish, packed into pieces.</summary>
public sealed class KitFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();

    public string Root { get; } = FindRepositoryRoot();

    public string Pieces => Path.Combine(_folder.Path, "pieces");

    public string Work => _folder.Path;

    public async ValueTask InitializeAsync()
    {
        var prepared = await RunAsync(Root, "benchmarks/gpu/prepare.sh", "--cpu", "--out", Pieces);
        Assert.True(prepared.ExitCode == 0, $"prepare.sh --cpu exited {prepared.ExitCode}:\n{prepared.Output}");
    }

    public ValueTask DisposeAsync()
    {
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs a script with bash and returns its exit code and its stdout and stderr together.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string root, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(root, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's own variables (an OUT meant for another tool, a DOTNET_ setting) must not steer the kit.
        start.Environment.Remove("OUT");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EngramBulkLoad.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No EngramBulkLoad.sln above {AppContext.BaseDirectory}.");
    }
}
