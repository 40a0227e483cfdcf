using System.Globalization;
using EngramBulkLoad.Engram.TestServer;

// Runs the Engram test server until Ctrl+C, for benchmarks and checks by hand from another process (the demo needs none:
// it starts the in-memory stand-in itself):
//   dotnet run --project tests/EngramBulkLoad.Engram.TestServer -- --port 50051 [--api-key KEY] [--no-dedup] [--capacity N] [--tls] [--no-embeddings]
// Deduplication is on and a space holds 100,000 memories before evicting, as in Engram (docs/engram-behaviour.md).
var options = new EngramTestServerOptions { Port = 50051 };
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            options.Port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--api-key" when i + 1 < args.Length:
            options.ApiKeys[args[++i]] = null;
            break;
        case "--dedup":
            // The default since the audit against Engram's code; accepted so older scripts still run.
            options.Deduplicate = true;
            break;
        case "--no-dedup":
            options.Deduplicate = false;
            break;
        case "--capacity" when i + 1 < args.Length:
            options.Capacity = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--tls":
            options.UseTls = true;
            break;
        case "--no-embeddings":
            // Benchmarks: keep ids and content only, so a million memories fit in a small server (no deduplication or recall then).
            options.KeepEmbeddings = false;
            options.KeepRequests = false;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: --port N [--api-key KEY]... [--no-dedup] [--capacity N (0: no eviction)] [--tls] [--no-embeddings]");
            return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

await using var server = await EngramTestServer.StartAsync(options, cancellationToken: stop.Token);
Console.WriteLine($"Engram test server listening on {server.Address} (auth {(options.ApiKeys.Count > 0 ? "on" : "off")}, dedup {(options.Deduplicate ? "on" : "off")}, capacity {(options.Capacity > 0 ? options.Capacity.ToString(CultureInfo.InvariantCulture) : "unlimited")} per space).");
if (server.CertificatePemPath is not null)
{
    Console.WriteLine($"Trust this certificate: {server.CertificatePemPath}");
}

try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: stop normally.
}

Console.WriteLine($"Stopping. Memories held: {server.Store.All().Count}.");
return 0;
