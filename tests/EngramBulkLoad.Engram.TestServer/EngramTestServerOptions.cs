using EngramBulkLoad.Engram.StandIn;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// How the test server behaves: the stand-in's options (Engram's defaults at commit 5d54816, see
/// <see cref="EngramStandInOptions"/>) and what only tests need.
/// </summary>
public sealed class EngramTestServerOptions : EngramStandInOptions
{
    /// <summary>Serve TLS with a self-signed certificate generated in memory. Default false (HTTP/2 without TLS).</summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// Keep the last request per memory id and the number of Remember requests per id, for tests that check what
    /// was sent (Engram keeps neither). Default true; benchmarks turn it off to save memory.
    /// </summary>
    public bool KeepRequests { get; set; } = true;
}
