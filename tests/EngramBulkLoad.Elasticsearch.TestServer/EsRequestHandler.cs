using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// Routes and answers requests. Behaviour follows the Elasticsearch REST API reference:
/// "Get cluster info" (GET /), "Check indices exist" (HEAD /{index}), "Open/Close a point in time"
/// (POST /{index}/_pit, DELETE /_pit), "Search" (POST /_search, /{index}/_search: pit, query, sort,
/// search_after, slice, size, from, _source, track_total_hits), "Count" (/{index}/_count), and the writes that seed
/// an index ("Create index", PUT /{index}; "Bulk", POST /_bulk: EsRequestHandler.Writes.cs); every response but
/// an unauthenticated one carries "X-Elastic-Product: Elasticsearch" (elastic/elasticsearch PR #73434).
/// </summary>
internal sealed partial class EsRequestHandler(EsTestServerOptions options, EsStore store, EsFaults faults)
{
    private const int MaxResultWindow = 10_000; // index.max_result_window's default

    private static readonly HashSet<string> SearchKeys = new(StringComparer.Ordinal)
    {
        "pit", "query", "sort", "search_after", "slice", "size", "from", "_source", "track_total_hits", "timeout", "track_scores", "version", "seq_no_primary_term",
    };

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        int status;
        byte[]? body;
        try
        {
            CheckCompatibility(request);
            if (!Authenticated(request, out var failure))
            {
                // Unauthenticated responses carry no product header (PR #73434), and say how to authenticate.
                response.Headers.WWWAuthenticate = new(["Basic realm=\"security\", charset=\"UTF-8\"", "ApiKey"]);
                await WriteAsync(context, 401, Body(failure!.WriteBody), product: false);
                return;
            }

            (status, body) = await RouteAsync(request, context.RequestAborted);
        }
        catch (EsError error)
        {
            (status, body) = (error.Status, Body(error.WriteBody));
        }
        catch (JsonException ex)
        {
            var error = new EsError(400, "x_content_parse_exception", $"[1:1] {ex.Message}");
            (status, body) = (400, Body(error.WriteBody));
        }

        await WriteAsync(context, status, body, product: true);
    }

    private async Task<(int, byte[]?)> RouteAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var segments = request.Path.Value!.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var method = request.Method;
        if (request.Query.ContainsKey("scroll"))
        {
            faults.CountScroll();
        }

        switch (segments)
        {
            case [] when method is "GET" or "HEAD":
                return (200, Body(Info));
            case ["_search"] when method is "GET" or "POST":
                return (200, Body(await SearchAsync(null, request, cancellationToken)));
            case [var index, "_search"] when method is "GET" or "POST":
                return (200, Body(await SearchAsync(index, request, cancellationToken)));
            case ["_count"] or [_, "_count"] when method is "GET" or "POST":
                return (200, Body(await CountAsync(segments.Length == 2 ? segments[0] : null, request, cancellationToken)));
            case [var index, "_pit"] when method == "POST":
                return (200, Body(OpenPit(index, request)));
            case ["_pit"] when method == "DELETE":
                return await ClosePitAsync(request, cancellationToken);
            case [var index] when method == "PUT" && !index.StartsWith('_'):
                return (200, Body(CreateIndex(index, await ReadBodyAsync(request, cancellationToken))));
            case ["_bulk"] or [_, "_bulk"] when method is "POST" or "PUT":
                return (200, Body(Bulk(segments.Length == 2 ? segments[0] : null, await ReadBytesAsync(request, cancellationToken))));
            case [var index] when method == "HEAD" && !index.StartsWith('_'):
                return IndexExists(index) ? (200, null) : (404, null);
            case [var index] when method == "GET" && !index.StartsWith('_'):
                store.Resolve(index);
                return (200, Body(w => { w.WriteStartObject(); w.WriteEndObject(); }));
            default:
                throw new EsError(405, "illegal_argument_exception", $"Incorrect HTTP method for uri [{request.Path}{request.QueryString}] and method [{method}]");
        }
    }

    /// <summary>
    /// Client 8.x and 9.x send "application/vnd.elasticsearch+json; compatible-with=N". A server accepts its own
    /// major and the one before (REST API compatibility), and refuses other versions with media_type_header_exception.
    /// </summary>
    private void CheckCompatibility(HttpRequest request)
    {
        foreach (var (name, value) in new[] { ("Accept", request.Headers.Accept.ToString()), ("Content-Type", request.ContentType ?? string.Empty) })
        {
            var at = value.IndexOf("compatible-with=", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var version = new string([.. value[(at + "compatible-with=".Length)..].TakeWhile(char.IsAsciiDigit)]);
            if (version != options.MajorVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)
                && version != (options.MajorVersion - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new EsError(400, "media_type_header_exception", "Invalid media-type value on headers [Accept, Content-Type]", rootCause: new EsError(400, "media_type_header_exception",
                    $"{name} version must be either version {options.MajorVersion} or {options.MajorVersion - 1}, but found {version}. {name}={value}"));
            }
        }
    }

    private bool Authenticated(HttpRequest request, out EsError? failure)
    {
        failure = null;
        if (options.Users.Count == 0 && options.ApiKeys.Count == 0)
        {
            return true;
        }

        var path = request.Path.Value;
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
            }
            catch (FormatException)
            {
                decoded = string.Empty;
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? decoded : decoded[..colon];
            if (colon >= 0 && options.Users.TryGetValue(user, out var password) && password == decoded[(colon + 1)..])
            {
                return true;
            }

            failure = Security($"unable to authenticate user [{user}] for REST request [{path}]");
            return false;
        }

        if (header.StartsWith("ApiKey ", StringComparison.Ordinal))
        {
            if (options.ApiKeys.Contains(header["ApiKey ".Length..]))
            {
                return true;
            }

            failure = Security($"unable to authenticate with provided credentials and anonymous access is not allowed for this request");
            return false;
        }

        failure = Security($"missing authentication credentials for REST request [{path}]");
        return false;
    }

    private static EsError Security(string reason) => new(401, "security_exception", reason, new Dictionary<string, object?>
    {
        ["header"] = new Dictionary<string, string[]> { ["WWW-Authenticate"] = ["Basic realm=\"security\", charset=\"UTF-8\"", "ApiKey"] },
    });

    private void Info(Utf8JsonWriter w)
    {
        var nine = options.MajorVersion >= 9;
        w.WriteStartObject();
        w.WriteString("name", "node-1");
        w.WriteString("cluster_name", "engram-bulkload-test");
        w.WriteString("cluster_uuid", "3bG2u0cqQ1qv8c5gWmU0mA");
        w.WriteStartObject("version");
        w.WriteString("number", nine ? "9.1.0" : "8.19.0");
        w.WriteString("build_flavor", "default");
        w.WriteString("build_type", "docker");
        w.WriteString("build_hash", "0000000000000000000000000000000000000000");
        w.WriteString("build_date", nine ? "2025-07-24T00:00:00.000Z" : "2025-07-24T00:00:00.000Z");
        w.WriteBoolean("build_snapshot", false);
        w.WriteString("lucene_version", nine ? "10.2.2" : "9.12.2");
        w.WriteString("minimum_wire_compatibility_version", nine ? "8.19.0" : "7.17.0");
        w.WriteString("minimum_index_compatibility_version", nine ? "8.0.0" : "7.0.0");
        w.WriteEndObject();
        w.WriteString("tagline", "You Know, for Search");
        w.WriteEndObject();
    }

    private bool IndexExists(string expression)
    {
        try
        {
            store.Resolve(expression);
            return true;
        }
        catch (EsError error) when (error.Type == "index_not_found_exception")
        {
            return false;
        }
    }

    private Action<Utf8JsonWriter> OpenPit(string index, HttpRequest request)
    {
        if (request.Query["keep_alive"].ToString() is not { Length: > 0 } keepAlive)
        {
            throw new EsError(400, "action_request_validation_exception", "Validation Failed: 1: [keep_alive] is not specified;");
        }

        var pit = store.OpenPit(store.Resolve(index), EsStore.ParseTime(keepAlive, "keep_alive"));
        return w =>
        {
            w.WriteStartObject();
            w.WriteString("id", pit.Id);
            WriteShards(w, pit.Shards.Count);
            w.WriteEndObject();
        };
    }

    private async Task<(int, byte[]?)> ClosePitAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var body = await ReadBodyAsync(request, cancellationToken);
        var id = body?.RootElement.TryGetProperty("id", out var value) == true ? value.GetString() : null;
        if (id is null)
        {
            throw new EsError(400, "action_request_validation_exception", "Validation Failed: 1: point in time id is not specified;");
        }

        // The close API answers 404 when it freed nothing (an unknown or expired id).
        var freed = store.ClosePit(id) ? 1 : 0;
        return (freed == 0 ? 404 : 200, Body(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("succeeded", true);
            w.WriteNumber("num_freed", freed);
            w.WriteEndObject();
        }));
    }

    private async Task<Action<Utf8JsonWriter>> CountAsync(string? index, HttpRequest request, CancellationToken cancellationToken)
    {
        var indexes = store.Resolve(index);
        using var body = await ReadBodyAsync(request, cancellationToken);
        JsonElement? query = body?.RootElement.TryGetProperty("query", out var q) == true ? q : null;
        var matches = QueryEngine.Compile(query);
        var count = indexes.SelectMany((i, shard) => i.Documents.Select((d, doc) => new Candidate(i, shard, doc, d))).LongCount(matches);
        return w =>
        {
            w.WriteStartObject();
            w.WriteNumber("count", count);
            WriteShards(w, indexes.Count);
            w.WriteEndObject();
        };
    }

    private async Task<Action<Utf8JsonWriter>> SearchAsync(string? index, HttpRequest request, CancellationToken cancellationToken)
    {
        if (faults.TakeRejection())
        {
            throw EsError.Rejected();
        }

        using var document = await ReadBodyAsync(request, cancellationToken);
        var body = document?.RootElement ?? default;
        JsonElement? Get(string name) => document is not null && body.TryGetProperty(name, out var value) ? value : null;
        if (document is not null)
        {
            foreach (var property in body.EnumerateObject().Where(p => !SearchKeys.Contains(p.Name)))
            {
                throw EsError.Parsing($"Unknown key for a {Kind(property.Value)} in [{property.Name}].");
            }
        }

        PointInTime? pit = null;
        List<EsIndex> indexes;
        if (Get("pit") is { } pitBody)
        {
            if (index is not null)
            {
                throw new EsError(400, "action_request_validation_exception", "Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in time.;");
            }

            var keepAlive = pitBody.TryGetProperty("keep_alive", out var k) ? EsStore.ParseTime(k.GetString()!, "keep_alive") : (TimeSpan?)null;
            pit = store.UsePit(pitBody.GetProperty("id").GetString()!, keepAlive);
            if (faults.ExpirePitAtSearch?.Invoke(faults.Searches) == true)
            {
                store.ExpirePits();
                throw EsError.PitMissing(pit.ContextId);
            }

            indexes = [.. pit.Shards.Select(s => s.Index)];
        }
        else
        {
            indexes = store.Resolve(index);
        }

        var size = Get("size") is { } s ? s.GetInt32() : 10;
        var from = Get("from") is { } f ? f.GetInt32() : 0;
        if (from + size > MaxResultWindow)
        {
            throw EsError.IllegalArgument($"Result window is too large, from + size must be less than or equal to: [{MaxResultWindow}] but was [{from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.");
        }

        var sort = SortSpec.Parse(Get("sort"));
        if (pit is not null && !sort.Any(x => x.Field == "_shard_doc"))
        {
            // Searches on a point in time get an implicit "_shard_doc" tiebreaker as their last sort (PR #68833).
            sort.AddRange(SortSpec.Parse(JsonDocument.Parse(sort.Count == 0 ? """[{"_score":"desc"},{"_shard_doc":"asc"}]""" : """[{"_shard_doc":"asc"}]""").RootElement));
        }

        foreach (var spec in sort)
        {
            spec.Validate(indexes, pit is not null);
        }

        var slice = SliceSpec.Parse(Get("slice"), indexes);
        var sorted = Sorted(pit, indexes, Get("query"), sort, slice, body);
        var start = 0;
        if (Get("search_after") is { } after)
        {
            if (sort.Count == 0)
            {
                throw EsError.IllegalArgument("Sort must contain at least one field.");
            }

            var values = after.EnumerateArray().ToList();
            if (values.Count != sort.Count)
            {
                throw EsError.IllegalArgument($"search_after has {values.Count} value(s) but sort has {sort.Count}.");
            }

            var keys = values.Select((v, i) => sort[i].AfterValue(v, indexes)).ToArray();
            start = UpperBound(sorted, keys, sort);
        }

        var hits = sorted.Skip(start + from).Take(size).ToList();
        var source = SourceFilter.Parse(Get("_source"));
        var total = Get("track_total_hits") switch
        {
            { ValueKind: JsonValueKind.False } => (long?)null,
            { ValueKind: JsonValueKind.True } => sorted.Length,
            { ValueKind: JsonValueKind.Number } n => Math.Min(sorted.Length, n.GetInt64()),
            _ => Math.Min(sorted.Length, MaxResultWindow),
        };
        var exact = Get("track_total_hits") is { ValueKind: JsonValueKind.True } || total == sorted.Length;
        return w =>
        {
            w.WriteStartObject();
            if (pit is not null)
            {
                w.WriteString("pit_id", pit.Id);
            }

            w.WriteNumber("took", 1);
            w.WriteBoolean("timed_out", false);
            WriteShards(w, indexes.Count);
            w.WriteStartObject("hits");
            if (total is { } t)
            {
                w.WriteStartObject("total");
                w.WriteNumber("value", t);
                w.WriteString("relation", exact ? "eq" : "gte");
                w.WriteEndObject();
            }

            w.WriteNull("max_score");
            w.WriteStartArray("hits");
            foreach (var hit in hits)
            {
                w.WriteStartObject();
                w.WriteString("_index", hit.Candidate.Index.Name);
                w.WriteString("_id", hit.Candidate.Document.Id);
                w.WriteNull("_score");
                if (source.Fetch)
                {
                    w.WritePropertyName("_source");
                    source.Write(w, hit.Candidate.Document);
                }

                if (sort.Count > 0)
                {
                    w.WriteStartArray("sort");
                    foreach (var value in hit.Keys)
                    {
                        WriteSortValue(w, value);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        };
    }

    /// <summary>The matching documents of the slice in sort order, with their sort values; cached on a point in time.</summary>
    private static SortedHit[] Sorted(PointInTime? pit, List<EsIndex> indexes, JsonElement? query, List<SortSpec> sort, SliceSpec? slice, JsonElement body)
    {
        SortedHit[] Compute()
        {
            var matches = QueryEngine.Compile(query);
            var candidates = pit?.Candidates() ?? indexes.SelectMany((i, shard) => i.Documents.Select((d, doc) => new Candidate(i, shard, doc, d)));
            var hits = candidates.Where(c => matches(c) && (slice is null || slice.Contains(c))).Select(c => new SortedHit(c, [.. sort.Select(s => s.ValueOf(c))])).ToArray();
            Array.Sort(hits, (a, b) => CompareKeys(a.Keys, b.Keys, sort));
            return hits;
        }

        if (pit is null)
        {
            return Compute();
        }

        var key = string.Join('\u0001', query?.GetRawText(), string.Join(',', sort.Select(s => s.Field + (s.Descending ? "-" : "+"))), body.TryGetProperty("slice", out var sl) ? sl.GetRawText() : null);
        return (SortedHit[])pit.SortedCache.GetOrAdd(key, _ => Compute());
    }

    private static int UpperBound(SortedHit[] hits, object?[] after, List<SortSpec> sort)
    {
        int low = 0, high = hits.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (CompareKeys(hits[mid].Keys, after, sort) <= 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    private static int CompareKeys(object?[] a, object?[] b, List<SortSpec> sort)
    {
        for (var i = 0; i < sort.Count; i++)
        {
            var order = sort[i].Compare(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return 0;
    }

    private static void WriteSortValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case long l:
                w.WriteNumberValue(l);
                break;
            case double d:
                w.WriteNumberValue(d);
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    private static void WriteShards(Utf8JsonWriter w, int shards)
    {
        w.WriteStartObject("_shards");
        w.WriteNumber("total", shards);
        w.WriteNumber("successful", shards);
        w.WriteNumber("skipped", 0);
        w.WriteNumber("failed", 0);
        w.WriteEndObject();
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "START_OBJECT",
        JsonValueKind.Array => "START_ARRAY",
        _ => "VALUE",
    };

    private static async Task<JsonDocument?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var bytes = await ReadBytesAsync(request, cancellationToken);
        return bytes.Length == 0 ? null : JsonDocument.Parse(bytes);
    }

    private static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        // Clients may compress request bodies (Content-Encoding: gzip); the HTTP layer inflates them (http.compression).
        var body = request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase)
            ? new System.IO.Compression.GZipStream(request.Body, System.IO.Compression.CompressionMode.Decompress)
            : request.Body;
        await body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private static byte[] Body(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static async Task WriteAsync(HttpContext context, int status, byte[]? body, bool product)
    {
        var response = context.Response;
        response.StatusCode = status;
        if (product)
        {
            response.Headers["X-elastic-product"] = "Elasticsearch";
        }

        var accept = context.Request.Headers.Accept.ToString();
        response.ContentType = accept.Contains("vnd.elasticsearch+json", StringComparison.Ordinal)
            ? "application/vnd.elasticsearch+json;compatible-with=" + new string([.. accept[(accept.IndexOf("compatible-with=", StringComparison.Ordinal) + 16)..].TakeWhile(char.IsAsciiDigit)])
            : "application/json";
        if (body is not null && !HttpMethods.IsHead(context.Request.Method))
        {
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private sealed record SortedHit(Candidate Candidate, object?[] Keys);
}
