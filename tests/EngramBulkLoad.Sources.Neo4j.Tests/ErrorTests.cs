using EngramBulkLoad.Errors;
using EngramBulkLoad.Neo4j.TestServer;
using static EngramBulkLoad.Sources.Neo4j.Tests.Neo4jTestSupport;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>Failures the server reports become errors that say what was expected, what was found and how to fix it.</summary>
public sealed class ErrorTests
{
    [Fact]
    public async Task Check_WrongPassword_RefusedUserNamedPasswordNeverPrinted()
    {
        await using var server = await StartAsync();
        await using var source = Create(Section(server, """[ { "label": "P", "key": "id", "text": "name" } ]""", password: "wrong-secret-xyz"));

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("refused user 'neo4j'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Neo.ClientError.Security.Unauthorized", error.Message, StringComparison.Ordinal);
        Assert.Contains("password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-xyz", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SyntaxErrorInWhere_SurfacedWithPositionAndTheStatement()
    {
        var graph = new Graph();
        graph.AddNode("P", Props(("id", 1), ("name", "x")));
        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "P", "key": "id", "text": "name", "where": "n.name = = 'x'" } ]"""));

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("invalid Cypher", error.Message, StringComparison.Ordinal);
        Assert.Contains("Neo.ClientError.Statement.SyntaxError: Invalid input '='", error.Message, StringComparison.Ordinal);
        Assert.Contains("(line 2, column 10", error.Message, StringComparison.Ordinal);
        Assert.Contains("fix that predicate", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Check_UnknownDatabase_SaysWhichAndHowToFix()
    {
        await using var server = await StartAsync();
        await using var source = Create(Section(server, """[ { "label": "P", "key": "id", "text": "name" } ]""", extra: """{ "database": "graphs" }"""));

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("database 'graphs' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("SHOW DATABASES", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NothingListening_TransientCannotReach()
    {
        Uri url;
        await using (var server = await StartAsync())
        {
            url = server.Url;
        }

        var section = new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = "graph", ["kind"] = "neo4j", ["url"] = url.ToString(), ["password"] = Password,
            ["nodes"] = System.Text.Json.Nodes.JsonNode.Parse("""[ { "label": "P", "key": "id", "text": "name" } ]"""),
        };
        await using var source = Create(section);

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("cannot reach Neo4j at", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Read_ErrorAfterRowsWereStreamed_StopsWithTheServersErrorNotASilentShortRead()
    {
        var graph = new Graph();
        for (var i = 0; i < 50; i++)
        {
            graph.AddNode("P", Props(("id", i), ("name", $"p{i}")));
        }

        await using var server = await StartAsync(graph);
        await using var source = Create(Section(server, """[ { "label": "P", "key": "id", "text": "name" } ]"""));
        server.Faults.FailAfterRows = 20;
        var read = 0;

        var error = await Assert.ThrowsAsync<SourceException>(async () =>
        {
            await foreach (var item in source.ReadAsync("P", null, Ct))
            {
                read++;
            }
        });

        Assert.Equal(20, read);
        Assert.Contains("Neo.TransientError.General.DatabaseUnavailable", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public void Config_BoltUrl_RefusedWithTheHttpConnectorAsTheFix()
    {
        var section = new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = "graph", ["kind"] = "neo4j", ["url"] = "bolt://graph:7687",
            ["nodes"] = System.Text.Json.Nodes.JsonNode.Parse("""[ { "label": "P", "key": "id", "text": "name" } ]"""),
        };

        var error = Assert.Throws<ConfigException>(() => Create(section));

        Assert.Contains("not an http:// or https:// address", error.Message, StringComparison.Ordinal);
        Assert.Contains("7474", error.Message, StringComparison.Ordinal);
    }
}
