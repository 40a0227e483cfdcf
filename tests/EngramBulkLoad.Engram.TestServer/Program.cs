using System.Globalization;
using EngramBulkLoad.Engram.TestServer;

// Runs the Engram test server until Ctrl+C, for the demo:
//   dotnet run --project tests/EngramBulkLoad.Engram.TestServer -- --port 50051 [--api-key KEY] [--dedup] [--tls] [--no-embeddings]
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
            options.Deduplicate = true;
            break;
        case "--tls":
            options.UseTls = true;
            break;
        case "--no-embeddings":
            // Benchmarks: keep ids and metadata only, so a million memories fit in a small server.
            options.KeepEmbeddings = false;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: --port N [--api-key KEY]... [--dedup] [--tls] [--no-embeddings]");
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
Console.WriteLine($"Engram test server listening on {server.Address} (auth {(options.ApiKeys.Count > 0 ? "on" : "off")}, dedup {(options.Deduplicate ? "on" : "off")}).");
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
