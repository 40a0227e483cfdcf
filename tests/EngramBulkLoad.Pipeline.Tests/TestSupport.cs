using EngramBulkLoad.Cli;
using EngramBulkLoad.Engram.TestServer;

namespace EngramBulkLoad.Pipeline.Tests;

internal static class TestSupport
{
    public const string Space = "pipeline-test";

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<EngramTestServer> StartServerAsync(Action<EngramTestServerOptions>? change = null)
    {
        var options = new EngramTestServerOptions();
        change?.Invoke(options);
        return EngramTestServer.StartAsync(options, cancellationToken: Ct).WaitAsync(TimeSpan.FromMinutes(1), Ct);
    }

    /// <summary>Runs the command line in this process, as a user would type it.</summary>
    public static async Task<(int Exit, string Output, string Error)> CliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, new CliContext(output, error, TimeProvider.System), Ct).WaitAsync(TimeSpan.FromMinutes(3), Ct);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>The ids of the memories the test server holds in the test space.</summary>
    public static HashSet<string> Held(EngramTestServer server) => [.. server.Store.Memories(Space).Select(memory => memory.Id)];
}
