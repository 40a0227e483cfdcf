using System.Text.Json;
using EngramBulkLoad.Neo4j.TestServer;
using EngramBulkLoad.Sources.Conformance;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>
/// The sample corpus as a graph (samples/seed/neo4j), extracted through the Query API with samples/sources/neo4j.json:
/// the files corpus's records, texts and times, and every link as a relationship with its own weight.
/// The compose stack seeds a real Neo4j with seed.cypher; the in-repo server's Cypher reads but does not write
/// (no CREATE, MERGE or UNWIND), so it is loaded through its graph API from graph.json, the same nodes and
/// relationships the script holds.
/// </summary>
public sealed class Neo4jSampleCorpusTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_SeededSampleCorpus_GivesTheFilesCorpusRecordsAndEveryWeightedLink()
    {
        var corpus = SampleCorpus.Instance;
        await using var server = await Neo4jTestSupport.StartAsync(LoadGraph(Path.Combine(corpus.Seed("neo4j"), "graph.json")));
        var section = corpus.SourceSection("neo4j.json");
        section["url"] = server.Url.ToString();
        section["password"] = Neo4jTestSupport.Password;

        var snapshot = await ConformanceRun.ExtractAsync(new Neo4jSourceFactory(), section, _temp.Path, cancellationToken: Neo4jTestSupport.Ct);

        corpus.AssertSameRecordsAndLinks(snapshot, corpus.Links.Select(l => l.Type).Distinct().ToList(), perLinkWeights: true);
    }

    /// <summary>graph.json: nodes (label, properties; {"$datetime": text} is a ZONED DATETIME) and relationships by node id.</summary>
    private static Graph LoadGraph(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var graph = new Graph();
        var byId = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
        foreach (var node in document.RootElement.GetProperty("nodes").EnumerateArray())
        {
            var properties = node.GetProperty("properties").EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value));
            byId.Add((string)properties["id"]!, graph.AddNode(node.GetProperty("label").GetString()!, properties));
        }

        foreach (var relationship in document.RootElement.GetProperty("relationships").EnumerateArray())
        {
            var properties = relationship.GetProperty("properties").EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value));
            graph.AddRelationship(byId[relationship.GetProperty("from").GetString()!], relationship.GetProperty("type").GetString()!,
                byId[relationship.GetProperty("to").GetString()!], properties);
        }

        return graph;
    }

    private static object? Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True or JsonValueKind.False => value.GetBoolean(),
        JsonValueKind.Array => value.EnumerateArray().Select(Value).ToList(),
        JsonValueKind.Object when value.TryGetProperty("$datetime", out var text) => CypherTemporal.DateTime(text.GetString()!),
        _ => throw new InvalidDataException($"graph.json holds a value this loader does not know: {value.GetRawText()}"),
    };
}
