using EngramBulkLoad.Engram.TestServer;

namespace EngramBulkLoad.Engram.Tests;

internal static class TestSupport
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Options for a test: fast retries and pressure polling so fault tests stay short.</summary>
    public static EngramOptions Options(EngramTestServer server, Action<EngramOptions>? change = null)
    {
        var options = new EngramOptions
        {
            Address = server.Address,
            MemorySpaceId = "test-space",
            ApiKeyEnvironmentVariable = "EBL_TEST_NO_SUCH_VARIABLE",
            BatchSize = 100,
            MaxBatchesInFlight = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
            PressurePollInterval = TimeSpan.FromMilliseconds(10),
            CallTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        change?.Invoke(options);
        return options.Validate();
    }

    public static Task<EngramTestServer> StartServerAsync(Action<EngramTestServerOptions>? change = null)
    {
        var options = new EngramTestServerOptions();
        change?.Invoke(options);
        return EngramTestServer.StartAsync(options, cancellationToken: Token).WaitAsync(TestTimeout, Token);
    }
}
