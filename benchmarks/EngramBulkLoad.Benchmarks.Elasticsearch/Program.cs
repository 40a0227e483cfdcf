using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Sources.Elasticsearch;

// One measured read of an index, in one of two modes, printed as a markdown table row:
//   source: the Elasticsearch source (official client, PIT + search_after, mapping to records), optionally sliced;
//   raw:    the peer, a plain HttpClient loop over the same point in time and pages, parsing each page with JsonDocument
//           and touching every hit's _id, i.e. what the server and the wire deliver without the client and the mapping.
// Usage: EngramBulkLoad.Benchmarks.Elasticsearch NODE INDEX (source|raw) [SLICES] [PAGE_SIZE]
if (args.Length < 3)
{
    Console.Error.WriteLine("Usage: NODE INDEX (source|raw) [SLICES] [PAGE_SIZE]");
    return 2;
}

var (node, index, mode) = (args[0], args[1], args[2]);
var slices = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;
var pageSize = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1000;
var watch = Stopwatch.StartNew();
long documents = mode == "raw" ? await RawAsync() : await SourceAsync();
watch.Stop();
var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {mode} | {slices} | {pageSize} | {documents:N0} | {watch.Elapsed.TotalSeconds:F1} | {documents / watch.Elapsed.TotalSeconds:N0} | {peak:N0} | {GC.GetTotalAllocatedBytes() / (1024.0 * 1024.0):N0} |"));
return 0;

async Task<long> SourceAsync()
{
    var slicing = slices > 1 ? $", \"slices\": {slices}, \"sliceField\": \"id\"" : string.Empty;
    var job = $$"""{ "migrationId": "bench-es", "sources": [ { "name": "es", "kind": "elasticsearch", "nodes": "{{node}}", "pageSize": {{pageSize}}, "indexes": [ { "index": "{{index}}", "template": "{title}\n\n{body}", "sortField": "id" {{slicing}} } ] } ] }""";
    var config = JobConfigLoader.Parse(job, Path.Combine(Path.GetTempPath(), "bench-es.json"));
    await using var source = new ElasticsearchSourceFactory().Create(config.Sources[0], config.Extract, null);
    await source.CheckAsync(CancellationToken.None);
    long count = 0;
    await foreach (var item in source.ReadAsync(index, null, CancellationToken.None))
    {
        if (item.Record is not null)
        {
            count++;
        }
    }

    return count;
}

async Task<long> RawAsync()
{
    using var http = new HttpClient { BaseAddress = new Uri(node) };
    using var opened = await http.PostAsync(new Uri($"/{index}/_pit?keep_alive=5m", UriKind.Relative), null);
    var pit = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
    long count = 0;
    string? after = null;
    while (true)
    {
        var body = $$"""{ "size": {{pageSize}}, "pit": { "id": "{{pit}}", "keep_alive": "5m" }, "sort": [ { "id": "asc" }, { "_shard_doc": "asc" } ], "track_total_hits": false {{(after is null ? string.Empty : ", \"search_after\": " + after)}} }""";
        using var response = await http.PostAsync(new Uri("/_search", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        using var page = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        var hits = page.RootElement.GetProperty("hits").GetProperty("hits");
        var n = 0;
        foreach (var hit in hits.EnumerateArray())
        {
            n += hit.GetProperty("_id").GetString()!.Length > 0 ? 1 : 0;
            after = hit.GetProperty("sort").GetRawText();
        }

        count += n;
        if (n < pageSize)
        {
            return count;
        }
    }
}
