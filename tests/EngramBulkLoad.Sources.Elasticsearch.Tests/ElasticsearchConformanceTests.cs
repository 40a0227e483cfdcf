using System.Globalization;
using System.Text.Json.Nodes;
using EngramBulkLoad.Elasticsearch.TestServer;
using EngramBulkLoad.Sources.Conformance;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

/// <summary>
/// The conformance suite over the in-repo Elasticsearch server (security on, one index per test), read
/// through a point in time sorted by the unique "id" field. The suite's "where" is the index's "query".
/// </summary>
public sealed class ElasticsearchConformanceTests : SourceConformanceTests, IAsyncLifetime
{
    private const string User = "reader";
    private const string Password = "conformance-password-5d1e";

    private EsTestServer? _server;
    private int _indexes;

    protected override IRecordSourceFactory Factory { get; } = new ElasticsearchSourceFactory();

    protected override bool SupportsWatermark => true;

    protected override string? SecretInSection => Password;

    private EsTestServer Server => _server ?? throw new InvalidOperationException("The server starts in InitializeAsync.");

    public async ValueTask InitializeAsync()
    {
        var options = new EsTestServerOptions();
        options.Users[User] = Password;
        _server = await EsTestServer.StartAsync(options, cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    protected override Task<ConformanceCollection> CreateCollectionAsync(IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        var name = $"items-{Interlocked.Increment(ref _indexes)}";
        var index = Server.Store.CreateIndex(name);
        // Explicit mappings, as a real index would have them: identifiers and categories are keywords.
        index.Map(ConformanceFields.Id, FieldType.Keyword);
        index.Map(ConformanceFields.Category, FieldType.Keyword);
        Index(index, items);
        return Task.FromResult(new ConformanceCollection(name, name));
    }

    protected override Task UpsertAsync(ConformanceCollection collection, IReadOnlyList<ConformanceItem> items, CancellationToken cancellationToken)
    {
        Index(Server.Store.Find(collection.Location)!, items);
        return Task.CompletedTask;
    }

    protected override JsonObject SourceSection(ConformanceCollection collection, JsonObject mapping)
        => Section(Server.Address.ToString(), collection.Location, mapping, Password);

    protected override JsonNode WhereCategoryIs(string category)
        => new JsonObject { ["term"] = new JsonObject { [ConformanceFields.Category] = category } };

    protected override JsonObject? UnreachableSection(ConformanceCollection collection, JsonObject mapping)
        => Section("http://127.0.0.1:1", collection.Location, mapping, Password);

    protected override JsonObject? WrongCredentialsSection(ConformanceCollection collection, JsonObject mapping)
        => Section(Server.Address.ToString(), collection.Location, mapping, WrongSecret);

    protected override (JsonObject Section, string Named) MissingCollectionSection(ConformanceCollection collection, JsonObject mapping)
        => (Section(Server.Address.ToString(), "no-such-items", mapping, Password), "index 'no-such-items' does not exist");

    private static void Index(EsIndex index, IReadOnlyList<ConformanceItem> items)
    {
        foreach (var item in items)
        {
            index.Index(item.Id, item.ToJson());
        }
    }

    private static JsonObject Section(string node, string index, JsonObject mapping, string password)
    {
        var entry = mapping.DeepClone().AsObject();
        if (entry["where"] is { } where)
        {
            entry.Remove("where");
            entry["query"] = where.DeepClone();
        }

        entry["index"] = index;
        entry["sortField"] = ConformanceFields.Id;
        return new JsonObject
        {
            ["kind"] = "elasticsearch",
            ["nodes"] = new JsonArray(node),
            ["username"] = User,
            ["password"] = password,
            ["pageSize"] = 250,
            ["maxRetries"] = 1,
            ["retryDelayMs"] = 1,
            ["indexes"] = new JsonArray(entry),
        };
    }
}
