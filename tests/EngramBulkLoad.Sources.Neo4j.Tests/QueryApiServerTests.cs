using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Neo4j.TestServer;
using static EngramBulkLoad.Sources.Neo4j.Tests.Neo4jTestSupport;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>
/// The in-repo server speaks the Query API as Neo4j 5 documents it (https://neo4j.com/docs/query-api/current/), and
/// interprets the Cypher it gets: these tests send raw HTTP and check bodies, statuses and results.
/// </summary>
public sealed class QueryApiServerTests
{
    [Fact]
    public async Task Query_TypedJson_AnswersAcceptedWithFieldsValuesAndTypedNode()
    {
        var graph = new Graph();
        var node = graph.AddNode("Person", Props(("name", "Phil"), ("age", 42)));
        await using var server = await StartAsync(graph);

        var (status, json) = await PostAsync(server, "MATCH (p:Person {name: $name}) RETURN p AS person, p.name AS name, p.age AS age",
            """{ "name": { "$type": "String", "_value": "Phil" } }""", typed: true);

        Assert.Equal(HttpStatusCode.Accepted, status);
        var data = json.RootElement.GetProperty("data");
        Assert.Equal(["person", "name", "age"], data.GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
        var row = Assert.Single(data.GetProperty("values").EnumerateArray().ToList());
        Assert.Equal("Node", row[0].GetProperty("$type").GetString());
        Assert.Equal(node.ElementId, row[0].GetProperty("_value").GetProperty("_element_id").GetString());
        Assert.Equal("Person", row[0].GetProperty("_value").GetProperty("_labels")[0].GetString());
        Assert.Equal("Integer", row[0].GetProperty("_value").GetProperty("_properties").GetProperty("age").GetProperty("$type").GetString());
        Assert.Equal("42", row[2].GetProperty("_value").GetString());
        Assert.True(json.RootElement.GetProperty("bookmarks").GetArrayLength() == 1);
    }

    [Fact]
    public async Task Query_PlainJson_NodesAsElementIdLabelsProperties()
    {
        var graph = new Graph();
        graph.AddNode("Person", Props(("name", "Alice"), ("age", 42)));
        await using var server = await StartAsync(graph);

        var (status, json) = await PostAsync(server, "MATCH (n:Person) RETURN n AS alice", "{}", typed: false);

        Assert.Equal(HttpStatusCode.Accepted, status);
        var value = json.RootElement.GetProperty("data").GetProperty("values")[0][0];
        Assert.Equal(42, value.GetProperty("properties").GetProperty("age").GetInt64());
        Assert.Equal("Person", value.GetProperty("labels")[0].GetString());
        Assert.StartsWith("4:", value.GetProperty("elementId").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "No authentication header supplied.")]
    [InlineData("Basic bmVvNGo6aW5jb3JyZWN0", "Invalid username or password.")]
    [InlineData("Basic not-base64!", "Invalid authentication header.")]
    public async Task Query_BadCredentials_401WithUnauthorizedCode(string? authorization, string message)
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, "db/neo4j/query/v2")) { Content = new StringContent("""{"statement":"RETURN 1"}""", Encoding.UTF8, "application/json") };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await http.SendAsync(request, Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Neo.ClientError.Security.Unauthorized", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(message, json.RootElement.GetProperty("errors")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task Query_UnknownDatabase_404DatabaseNotFound()
    {
        await using var server = await StartAsync();

        var (status, json) = await PostAsync(server, "RETURN 1", "{}", typed: false, database: "nosuchdb");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Neo.ClientError.Database.DatabaseNotFound", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Contains("nosuchdb", json.RootElement.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_InvalidCypher_400SyntaxErrorWithLineColumnAndCaret()
    {
        await using var server = await StartAsync();

        var (status, json) = await PostAsync(server, "MATCH (n:Person) WHERE n.age >> 3 RETURN n", "{}", typed: false);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("Neo.ClientError.Statement.SyntaxError", error.GetProperty("code").GetString());
        Assert.StartsWith("Invalid input '>': expected an expression (line 1, column 31 (offset: 30))", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("\n" + new string(' ', 31) + "^", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_MissingParameter_400ParameterMissing()
    {
        await using var server = await StartAsync();

        var (status, json) = await PostAsync(server, "MATCH (n) WHERE n.id > $after RETURN n LIMIT $limit", "{}", typed: true);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Neo.ClientError.Statement.ParameterMissing", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal("Expected parameter(s): after, limit", json.RootElement.GetProperty("errors")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task Query_UndefinedVariable_SyntaxError()
    {
        await using var server = await StartAsync();

        var (status, json) = await PostAsync(server, "MATCH (n) RETURN m", "{}", typed: false);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Variable `m` not defined", json.RootElement.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_WhereOrderByLimit_InterpretedOverTheGraph()
    {
        var graph = new Graph();
        foreach (var (name, age) in new[] { ("a", 30), ("b", 25), ("c", 41), ("d", 35), ("e", 19) })
        {
            graph.AddNode("Person", Props(("name", name), ("age", age)));
        }

        graph.AddNode("Robot", Props(("name", "r2"), ("age", 50)));
        await using var server = await StartAsync(graph);

        var (_, json) = await PostAsync(server, "MATCH (n:Person) WHERE n.age >= $min AND NOT n.name = 'd' RETURN n.name AS name ORDER BY n.age DESC LIMIT 2",
            """{ "min": 20 }""", typed: false);

        Assert.Equal(["c", "a"], json.RootElement.GetProperty("data").GetProperty("values").EnumerateArray().Select(r => r[0].GetString()));
    }

    [Fact]
    public async Task Query_RelationshipPatterns_FollowDirectionTypeAndCount()
    {
        var graph = new Graph();
        var a = graph.AddNode("P", Props(("id", 1)));
        var b = graph.AddNode("P", Props(("id", 2)));
        var c = graph.AddNode("Q", Props(("id", 3)));
        graph.AddRelationship(a, "KNOWS", b);
        graph.AddRelationship(b, "KNOWS", a);
        graph.AddRelationship(a, "LIKES", c);
        graph.AddRelationship(a, "KNOWS", a);
        await using var server = await StartAsync(graph);

        Assert.Equal(3L, await ScalarAsync(server, "MATCH (x)-[r:KNOWS]->(y) RETURN count(r)"));
        Assert.Equal(1L, await ScalarAsync(server, "MATCH (x:P {id: 1})-[r]->(y:Q) RETURN count(*)"));
        Assert.Equal(2L, await ScalarAsync(server, "MATCH (x:P {id: 1})<-[r]-(y) RETURN count(r)"));
        Assert.Equal(4L, await ScalarAsync(server, "MATCH ()-[r]->() RETURN count(r)"));
        Assert.Equal(2L, await ScalarAsync(server, "MATCH (x:P)-[r]->(y) WHERE type(r) IN $types AND x <> y RETURN count(r)", """{ "types": ["KNOWS"] }"""));
        Assert.Equal("LIKES", await ScalarAsync(server, "MATCH (x)-[r]->(:Q) RETURN type(r)"));
    }

    [Fact]
    public async Task Query_ComparisonsAcrossTypes_AreNullSoRowsDrop_AndOrderByIsTotal()
    {
        var graph = new Graph();
        graph.AddNode("T", Props(("k", 5)));
        graph.AddNode("T", Props(("k", "5")));
        graph.AddNode("T", Props(("k", 2.5)));
        graph.AddNode("T", Props(("x", 1)));
        await using var server = await StartAsync(graph);

        Assert.Equal(2L, await ScalarAsync(server, "MATCH (n:T) WHERE n.k > 1 RETURN count(n)"));
        var (_, json) = await PostAsync(server, "MATCH (n:T) RETURN n.k ORDER BY n.k", "{}", typed: true);
        var types = json.RootElement.GetProperty("data").GetProperty("values").EnumerateArray().Select(r => r[0].GetProperty("$type").GetString()).ToList();
        Assert.Equal(["String", "Float", "Integer", "Null"], types);
    }

    [Fact]
    public async Task Query_TypedTemporalParameters_CompareByInstant()
    {
        var graph = new Graph();
        graph.AddNode("E", Props(("at", new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero))));
        graph.AddNode("E", Props(("at", new DateTimeOffset(2025, 1, 1, 14, 0, 0, TimeSpan.FromHours(1)))));
        await using var server = await StartAsync(graph);

        var count = await ScalarAsync(server, "MATCH (e:E) WHERE e.at > $t RETURN count(e)",
            """{ "t": { "$type": "OffsetDateTime", "_value": "2025-01-01T14:30:00+02:00" } }""", typed: true);

        Assert.Equal(1L, count);
    }

    [Fact]
    public async Task Query_ErrorWhileStreaming_ErrorsMemberAfterRowsAlreadySent()
    {
        var graph = new Graph();
        for (var i = 0; i < 10; i++)
        {
            graph.AddNode("N", Props(("id", i)));
        }

        await using var server = await StartAsync(graph);
        server.Faults.FailAfterRows = 4;

        var (status, json) = await PostAsync(server, "MATCH (n:N) RETURN n.id ORDER BY n.id", "{}", typed: false);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(4, json.RootElement.GetProperty("data").GetProperty("values").GetArrayLength());
        Assert.Equal("Neo.TransientError.General.DatabaseUnavailable", json.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
    }

    private static async Task<object?> ScalarAsync(Neo4jTestServer server, string statement, string parameters = "{}", bool typed = false)
    {
        var (status, json) = await PostAsync(server, statement, parameters, typed);
        Assert.True(status == HttpStatusCode.Accepted, json.RootElement.GetRawText());
        var value = json.RootElement.GetProperty("data").GetProperty("values")[0][0];
        if (typed)
        {
            value = value.GetProperty("_value");
            return value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), out var n) ? n : value.GetString();
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetInt64() : value.GetString();
    }

    private static async Task<(HttpStatusCode Status, JsonDocument Json)> PostAsync(Neo4jTestServer server, string statement, string parameters, bool typed, string database = "neo4j")
    {
        using var http = new HttpClient();
        var mediaType = typed ? "application/vnd.neo4j.query" : "application/json";
        var body = $$"""{ "statement": {{JsonSerializer.Serialize(statement)}}, "parameters": {{parameters}} }""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Url, $"db/{database}/query/v2"))
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"neo4j:{Password}")));
        using var response = await http.SendAsync(request, Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)));
    }
}
