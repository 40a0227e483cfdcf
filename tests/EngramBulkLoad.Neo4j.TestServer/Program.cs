using System.Globalization;
using EngramBulkLoad.Neo4j.TestServer;

// Runs the Neo4j Query API test server until Ctrl+C, with a generated graph, for benchmarks and trying the source:
//   dotnet run --project tests/EngramBulkLoad.Neo4j.TestServer -- --port 57470 --nodes 100000 --relationships 300000 [--password PW]
var options = new Neo4jTestServerOptions { Port = 7474 };
var nodes = 1000;
var relationships = 3000;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            options.Port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--nodes" when i + 1 < args.Length:
            nodes = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--relationships" when i + 1 < args.Length:
            relationships = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--password" when i + 1 < args.Length:
            options.Password = args[++i];
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: --port N --nodes N --relationships N [--password PW]");
            return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
// SIGTERM (kill, docker stop) ends the wait like Ctrl+C; cancelling the default handling lets Main stop the server and return.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

var graph = SampleGraph.Create(nodes, relationships);
await using var server = await Neo4jTestServer.StartAsync(options, graph, stop.Token);
Console.WriteLine($"Neo4j Query API test server listening on {server.Url} (user {options.User}, database neo4j): {graph.Nodes.Count:N0} nodes, {graph.Relationships.Count:N0} relationships.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

return 0;
