using EngramBulkLoad.MongoDb.TestServer;
using MongoDB.Bson;

// Runs the test server on its own, for benchmarks and manual runs:
//   dotnet run --project tests/EngramBulkLoad.MongoDb.TestServer -- --port 57450 --docs 100000 [--user u --password p]
// It fills bench.docs with generated documents (~500 bytes of text, nested metadata) and bench.authors with the
// 100 authors they reference, and serves until stdin closes.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : string.Empty, StringComparer.Ordinal);
var port = int.Parse(options.GetValueOrDefault("port", "0"), System.Globalization.CultureInfo.InvariantCulture);
var count = int.Parse(options.GetValueOrDefault("docs", "0"), System.Globalization.CultureInfo.InvariantCulture);
await using var server = MongoTestServer.Start(port);
if (options.TryGetValue("user", out var user))
{
    server.AddUser(user, options.GetValueOrDefault("password", string.Empty));
}

server.Store.CreateCollection("bench", "docs");
server.Store.Insert("bench", "authors", Enumerable.Range(0, BenchDocuments.Authors).Select(BenchDocuments.Author));
const int chunk = 10_000;
for (var start = 0; start < count; start += chunk)
{
    server.Store.Insert("bench", "docs", Enumerable.Range(start, Math.Min(chunk, count - start)).Select(BenchDocuments.Create));
}

Console.WriteLine($"listening on 127.0.0.1:{server.Port} with {count} documents in bench.docs");
await Console.In.ReadToEndAsync();
