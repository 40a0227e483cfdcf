using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Elasticsearch.TestServer;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

/// <summary>
/// The test server's answers over plain HTTP, checked against what the Elasticsearch REST reference documents
/// for each API, so the source's tests exercise the server's real behaviour rather than this project's wishes.
/// </summary>
public sealed class TestServerFidelityTests : IAsyncLifetime
{
    private EsTestServer? _server;
    private HttpClient? _http;

    private static CancellationToken Ct => EsFixture.Ct;

    private EsTestServer Server => _server!;

    private HttpClient Http => _http!;

    public async ValueTask InitializeAsync()
    {
        _server = await EsTestServer.StartAsync(cancellationToken: Ct);
        _http = new HttpClient { BaseAddress = _server.Address };
        var index = EsFixture.Seed(_server, "articles", 12);
        index.Map("status", FieldType.Keyword);
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Info_AnswersVersionAndTaglineWithTheProductHeader()
    {
        using var response = await Http.GetAsync(new Uri("/", UriKind.Relative), Ct);
        var body = await Json(response);

        Assert.Equal("Elasticsearch", Assert.Single(response.Headers.GetValues("X-Elastic-Product")));
        Assert.Equal("9.1.0", body.GetProperty("version").GetProperty("number").GetString());
        Assert.Equal("You Know, for Search", body.GetProperty("tagline").GetString());
    }

    [Fact]
    public async Task IndexExists_200ForAnIndex_404WithoutBodyForAMissingOne()
    {
        using var present = await Send(HttpMethod.Head, "/articles");
        using var missing = await Send(HttpMethod.Head, "/nope");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotFound), (present.StatusCode, missing.StatusCode));
        Assert.Empty(await missing.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Search_MissingIndex_Is404IndexNotFoundWithRootCause()
    {
        using var response = await Send(HttpMethod.Post, "/nope/_search", "{}");
        var error = (await Json(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("index_not_found_exception", error.GetProperty("type").GetString());
        Assert.Equal("no such index [nope]", error.GetProperty("root_cause")[0].GetProperty("reason").GetString());
        Assert.Equal("nope", error.GetProperty("index").GetString());
    }

    [Fact]
    public async Task Unauthenticated_Is401SecurityExceptionWithoutTheProductHeader()
    {
        var options = new EsTestServerOptions();
        options.Users["elastic"] = "changeme";
        await using var secured = await EsTestServer.StartAsync(options, cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = secured.Address };

        using var response = await http.GetAsync(new Uri("/", UriKind.Relative), Ct);
        var error = (await Json(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("security_exception", error.GetProperty("type").GetString());
        Assert.StartsWith("missing authentication credentials", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("X-Elastic-Product"));
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Pit_SearchAfterPagesEveryDocumentOnce_WithTheImplicitShardDocTiebreaker()
    {
        var pit = (await Json(await Send(HttpMethod.Post, "/articles/_pit?keep_alive=1m"))).GetProperty("id").GetString();
        var seen = new List<string>();
        JsonElement? after = null;
        while (true)
        {
            var search = $$"""{ "size": 5, "pit": { "id": "{{pit}}", "keep_alive": "1m" }, "sort": [ { "n": "desc" } ] {{(after is { } a ? $", \"search_after\": {a.GetRawText()}" : string.Empty)}} }""";
            var body = await Json(await Send(HttpMethod.Post, "/_search", search));
            var hits = body.GetProperty("hits").GetProperty("hits").EnumerateArray().ToList();
            Assert.Equal(pit, body.GetProperty("pit_id").GetString());
            if (hits.Count == 0)
            {
                break;
            }

            Assert.All(hits, h => Assert.Equal(2, h.GetProperty("sort").GetArrayLength()));
            seen.AddRange(hits.Select(h => h.GetProperty("_id").GetString()!));
            after = hits[^1].GetProperty("sort").Clone();
        }

        Assert.Equal(Enumerable.Range(1, 12).Reverse().Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), seen);
    }

    [Fact]
    public async Task Pit_ExpiredOrClosed_SearchIs404SearchContextMissing_AndCloseFreesNothing()
    {
        var pit = (await Json(await Send(HttpMethod.Post, "/articles/_pit?keep_alive=1m"))).GetProperty("id").GetString();
        using var closed = await Send(HttpMethod.Delete, "/_pit", $$"""{ "id": "{{pit}}" }""");
        using var closedAgain = await Send(HttpMethod.Delete, "/_pit", $$"""{ "id": "{{pit}}" }""");
        using var search = await Send(HttpMethod.Post, "/_search", $$"""{ "pit": { "id": "{{pit}}" }, "sort": ["_shard_doc"] }""");
        var error = (await Json(search)).GetProperty("error");

        Assert.Equal(1, (await Json(closed)).GetProperty("num_freed").GetInt32());
        Assert.Equal((HttpStatusCode.NotFound, 0), (closedAgain.StatusCode, (await Json(closedAgain)).GetProperty("num_freed").GetInt32()));
        Assert.Equal(HttpStatusCode.NotFound, search.StatusCode);
        Assert.Equal("search_phase_execution_exception", error.GetProperty("type").GetString());
        Assert.Equal("search_context_missing_exception", error.GetProperty("root_cause")[0].GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("/_search", """{ "sort": [ { "n": "asc" } ], "search_after": [1, 2] }""", "search_after has 2 value(s) but sort has 1.")]
    [InlineData("/articles/_search", """{ "sort": [ { "title": "asc" } ] }""", "Text fields are not optimised")]
    [InlineData("/articles/_search", """{ "query": { "fuzzy_thing": {} } }""", "unknown query [fuzzy_thing]")]
    [InlineData("/articles/_search", """{ "size": 10001 }""", "Result window is too large")]
    [InlineData("/articles/_search", """{ "sort": ["_shard_doc"] }""", "[_shard_doc] sort field cannot be used without [point in time]")]
    [InlineData("/articles/_search", """{ "slice": { "id": 0, "max": 1 } }""", "max must be greater than 1")]
    public async Task Search_InvalidRequests_Are400WithTheServersReason(string path, string body, string reason)
    {
        using var response = await Send(HttpMethod.Post, path, body);
        var error = (await Json(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, error.GetProperty("root_cause")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_WithQuery_CountsMatchingDocuments()
    {
        using var response = await Send(HttpMethod.Post, "/articles/_count", """{ "query": { "bool": { "must": [ { "match": { "body": "DOCUMENT" } } ], "must_not": [ { "terms": { "n": [1, 2, 3] } } ] } } }""");

        Assert.Equal(9, (await Json(response)).GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Search_SourceFilteringAndSlices_SelectFieldsAndPartitionDocuments()
    {
        var pit = (await Json(await Send(HttpMethod.Post, "/articles/_pit?keep_alive=1m"))).GetProperty("id").GetString();
        var ids = new List<string>();
        for (var slice = 0; slice < 3; slice++)
        {
            var body = await Json(await Send(HttpMethod.Post, "/_search",
                $$"""{ "size": 100, "pit": { "id": "{{pit}}" }, "slice": { "id": {{slice}}, "max": 3 }, "_source": { "includes": ["author.*", "n"], "excludes": ["n"] } }"""));
            foreach (var hit in body.GetProperty("hits").GetProperty("hits").EnumerateArray())
            {
                ids.Add(hit.GetProperty("_id").GetString()!);
                Assert.Equal(["author"], hit.GetProperty("_source").EnumerateObject().Select(p => p.Name));
            }
        }

        Assert.Equal(Enumerable.Range(1, 12).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), ids.Order());
    }

    [Fact]
    public async Task Requests_DeclaringAnUnsupportedCompatibleVersion_Are400MediaTypeHeaderException()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/vnd.elasticsearch+json; compatible-with=7"));
        using var response = await Http.SendAsync(request, Ct);
        var error = (await Json(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("media_type_header_exception", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task CreateIndex_NewWithMappingsAcknowledged_ExistingIs400ResourceAlreadyExists()
    {
        // Reference "Create index API": mappings.properties map fields before any document arrives.
        using var created = await Send(HttpMethod.Put, "/notes", """{ "mappings": { "properties": { "code": { "type": "keyword" }, "meta": { "properties": { "at": { "type": "date" } } } } } }""");
        using var again = await Send(HttpMethod.Put, "/notes", "{}");
        using var upper = await Send(HttpMethod.Put, "/Notes", "{}");

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.True((await Json(created)).GetProperty("acknowledged").GetBoolean());
        Assert.Equal((HttpStatusCode.BadRequest, "resource_already_exists_exception"), (again.StatusCode, (await Json(again)).GetProperty("error").GetProperty("type").GetString()));
        Assert.Equal("invalid_index_name_exception", (await Json(upper)).GetProperty("error").GetProperty("type").GetString());
        // A keyword sorts as written; a text field could not be sorted on (fielddata is off).
        Server.Store.Find("notes")!.Index("a", """{ "code": "b2", "meta": { "at": "2024-01-01T00:00:00Z" } }""");
        Server.Store.Find("notes")!.Index("b", """{ "code": "a1", "meta": { "at": "2024-01-02T00:00:00Z" } }""");
        using var sorted = await Send(HttpMethod.Post, "/notes/_search", """{ "sort": [ { "code": "asc" } ] }""");
        Assert.Equal(["b", "a"], (await Json(sorted)).GetProperty("hits").GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("_id").GetString()));
    }

    [Fact]
    public async Task Bulk_IndexCreateDelete_AnswersPerItemAndErrorsWhenOneFailed()
    {
        // Reference "Bulk API": NDJSON ending in a newline; create over an existing _id is a 409 item, not a failed request.
        var body = """
            {"index":{"_index":"bulked","_id":"1"}}
            {"title":"one"}
            {"create":{"_index":"bulked","_id":"1"}}
            {"title":"again"}
            {"index":{"_index":"bulked","_id":"1"}}
            {"title":"uno"}
            {"delete":{"_index":"bulked","_id":"2"}}

            """.ReplaceLineEndings("\n");
        using var response = await SendNdjson("/_bulk?refresh=true", body);
        using var unterminated = await SendNdjson("/_bulk", body.TrimEnd('\n'));
        var answer = await Json(response);
        var items = answer.GetProperty("items").EnumerateArray().ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(answer.GetProperty("errors").GetBoolean());
        Assert.Equal([201, 409, 200, 404], items.Select(i => i.EnumerateObject().Single().Value.GetProperty("status").GetInt32()));
        Assert.Equal("version_conflict_engine_exception", items[1].GetProperty("create").GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(("updated", 2), (items[2].GetProperty("index").GetProperty("result").GetString(), items[2].GetProperty("index").GetProperty("_version").GetInt32()));
        Assert.Equal("""{"title":"uno"}""", Encoding.UTF8.GetString(Assert.Single(Server.Store.Find("bulked")!.Documents).Source));
        Assert.Equal(HttpStatusCode.BadRequest, unterminated.StatusCode);
    }

    private async Task<HttpResponseMessage> SendNdjson(string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
        return await Http.SendAsync(request, Ct);
    }

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await Http.SendAsync(request, Ct);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
}
