using System.Text.Json.Nodes;
using EngramBulkLoad.Neo4j.TestServer;
using EngramBulkLoad.Sources.Conformance;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>
/// The conformance suite over nodes of the in-repo Query API server: one label per collection, the items' fields as
/// node properties (id a STRING, rank an INTEGER, score a FLOAT, active a BOOLEAN, updated a ZONED DATETIME), read in
/// pages of 300 so every test crosses page boundaries. Relationships are off: the suite checks one collection.
/// </summary>
public sealed class Neo4jConformanceTests : SourceConformanceTests, IAsyncLifetime
{
    private const string Password = "conformance-neo4j-password";
    private static int s_labels;
    private Neo4jTestServer? _server;

    protected override IRecordSourceFactory Factory { get; } = new Neo4jSourceFactory();

    protected override bool SupportsWatermark => true;

    protected override string? SecretInSection => Password;

    public async ValueTask InitializeAsync()
        => _server = await Neo4jTestServer.StartAsync(new Neo4jTestServerOptions { Password = Password }, cancellationToken: Ct);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    protected override Task<ConformanceCollection> CreateCollectionAsync(IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        var label = $"Item{Interlocked.Increment(ref s_labels)}";
        foreach (var item in items)
        {
            _server!.Graph.AddNode(label, item.Fields.ToDictionary(f => f.Key, f => (object?)f.Value));
        }

        return Task.FromResult(new ConformanceCollection(label, label));
    }

    protected override Task UpsertAsync(ConformanceCollection collection, IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            var node = _server!.Graph.WithLabel(collection.Location).FirstOrDefault(n => Equals(n.Properties[ConformanceFields.Id], item.Id));
            if (node is null)
            {
                _server.Graph.AddNode(collection.Location, item.Fields.ToDictionary(f => f.Key, f => (object?)f.Value));
                continue;
            }

            foreach (var (name, value) in item.Fields)
            {
                node.Properties[name] = CypherValues.Normalize(value);
            }
        }

        return Task.CompletedTask;
    }

    protected override JsonObject SourceSection(ConformanceCollection collection, JsonObject mapping)
        => Section(_server!.Url.ToString(), collection.Location, mapping, Password);

    protected override JsonNode WhereCategoryIs(string category) => $"n.category = '{category}'";

    protected override JsonObject? UnreachableSection(ConformanceCollection collection, JsonObject mapping)
        => Section("http://127.0.0.1:1/", collection.Location, mapping, Password);

    protected override JsonObject? WrongCredentialsSection(ConformanceCollection collection, JsonObject mapping)
        => Section(_server!.Url.ToString(), collection.Location, mapping, WrongSecret);

    protected override (JsonObject Section, string Named) MissingCollectionSection(ConformanceCollection collection, JsonObject mapping)
    {
        ArgumentNullException.ThrowIfNull(collection);
        var label = collection.Location + "Missing";
        return (Section(_server!.Url.ToString(), label, mapping, Password), $"no node with label '{label}'");
    }

    private static JsonObject Section(string url, string label, JsonObject mapping, string password)
    {
        var nodes = mapping.DeepClone().AsObject();
        nodes["label"] = label;
        nodes["key"] = ConformanceFields.Id;
        return new JsonObject
        {
            ["kind"] = "neo4j",
            ["url"] = url,
            ["password"] = password,
            ["pageSize"] = 300,
            ["nodes"] = new JsonArray(nodes),
            ["relationships"] = new JsonObject { ["read"] = false },
        };
    }
}
