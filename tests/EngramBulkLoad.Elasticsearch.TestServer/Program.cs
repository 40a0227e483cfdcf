using System.Globalization;
using System.Text.Json;
using EngramBulkLoad.Elasticsearch.TestServer;

// Runs the Elasticsearch test server until Ctrl+C, with indexes loaded from JSON Lines files (one document
// per line; its "id" field is the document id, else its line number):
//   dotnet run --project tests/EngramBulkLoad.Elasticsearch.TestServer -- --port 9200 --index articles=docs.jsonl [--user elastic:secret] [--version 8]
var options = new EsTestServerOptions { Port = 9200 };
var loads = new List<(string Index, string Path)>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            options.Port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--version" when i + 1 < args.Length:
            options.MajorVersion = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--user" when i + 1 < args.Length && args[i + 1].Contains(':', StringComparison.Ordinal):
            var user = args[++i].Split(':', 2);
            options.Users[user[0]] = user[1];
            break;
        case "--index" when i + 1 < args.Length && args[i + 1].Contains('=', StringComparison.Ordinal):
            var load = args[++i].Split('=', 2);
            loads.Add((load[0], load[1]));
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: --port N [--index NAME=FILE.jsonl]... [--user NAME:PASSWORD] [--version 8|9]");
            return 2;
    }
}

await using var server = await EsTestServer.StartAsync(options);
foreach (var (name, path) in loads)
{
    var index = server.Store.CreateIndex(name);
    var count = 0;
    foreach (var line in File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)))
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        count++;
        var id = root.TryGetProperty("id", out var plain) ? plain.ToString() : count.ToString(CultureInfo.InvariantCulture);
        index.Index(id, line);
    }

    Console.WriteLine($"index '{name}': {index.Documents.Length} documents from {path}");
}

Console.WriteLine($"Elasticsearch test server (as {options.MajorVersion}.x) listening on {server.Address}");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
// SIGTERM (kill, a script's trap): stop and return from Main; a ProcessExit handler alone left the process running.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

return 0;
