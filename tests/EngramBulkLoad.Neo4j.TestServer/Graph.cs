using System.Globalization;

namespace EngramBulkLoad.Neo4j.TestServer;

/// <summary>
/// An in-memory property graph, as one Neo4j database holds it. Element ids have Neo4j 5's shape,
/// "4:DATABASE-UUID:N" for nodes and "5:DATABASE-UUID:N" for relationships (elementId() in
/// https://neo4j.com/docs/cypher-manual/current/functions/scalar/#functions-elementid : an opaque string, stable within a transaction).
/// Property values are the CLR forms of Cypher values (<see cref="CypherValues"/>). Writes are for test set-up and
/// are not concurrent with queries.
/// </summary>
public sealed class Graph
{
    private readonly List<GraphNode> _nodes = [];
    private readonly List<GraphRelationship> _relationships = [];
    private readonly Dictionary<string, List<GraphNode>> _byLabel = new(StringComparer.Ordinal);
    private long _nextNode;
    private long _nextRelationship;

    /// <summary>Creates an empty graph for a database with this id.</summary>
    public Graph(Guid? databaseId = null) => DatabaseId = databaseId ?? Guid.NewGuid();

    /// <summary>The database's id, part of every element id.</summary>
    public Guid DatabaseId { get; }

    /// <summary>Every node, in creation order.</summary>
    public IReadOnlyList<GraphNode> Nodes => _nodes;

    /// <summary>Every relationship, in creation order.</summary>
    public IReadOnlyList<GraphRelationship> Relationships => _relationships;

    /// <summary>Adds a node; property values are normalised to Cypher's (int → long, float → double, arrays → lists).</summary>
    public GraphNode AddNode(IEnumerable<string> labels, IReadOnlyDictionary<string, object?>? properties = null)
    {
        var node = new GraphNode(string.Create(CultureInfo.InvariantCulture, $"4:{DatabaseId}:{_nextNode++}"), labels.Distinct(StringComparer.Ordinal).ToList(), Normalize(properties));
        _nodes.Add(node);
        foreach (var label in node.Labels)
        {
            if (!_byLabel.TryGetValue(label, out var list))
            {
                _byLabel[label] = list = [];
            }

            list.Add(node);
        }

        return node;
    }

    /// <summary>Adds a node with one label.</summary>
    public GraphNode AddNode(string label, IReadOnlyDictionary<string, object?>? properties = null) => AddNode([label], properties);

    /// <summary>Adds a relationship from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public GraphRelationship AddRelationship(GraphNode start, string type, GraphNode end, IReadOnlyDictionary<string, object?>? properties = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(end);
        var relationship = new GraphRelationship(string.Create(CultureInfo.InvariantCulture, $"5:{DatabaseId}:{_nextRelationship++}"), type, start, end, Normalize(properties));
        _relationships.Add(relationship);
        start.Outgoing.Add(relationship);
        end.Incoming.Add(relationship);
        return relationship;
    }

    /// <summary>The nodes with a label (the label scan a Neo4j label index gives).</summary>
    public IReadOnlyList<GraphNode> WithLabel(string label) => _byLabel.TryGetValue(label, out var list) ? list : [];

    private static Dictionary<string, object?> Normalize(IReadOnlyDictionary<string, object?>? properties)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in properties ?? new Dictionary<string, object?>())
        {
            // Neo4j does not store null properties: setting one to null removes it.
            if (value is not null)
            {
                result[key] = CypherValues.Normalize(value);
            }
        }

        return result;
    }
}

/// <summary>A node: element id, labels, properties (in the order they were set), and its relationships.</summary>
public sealed class GraphNode(string elementId, IReadOnlyList<string> labels, Dictionary<string, object?> properties)
{
    public string ElementId { get; } = elementId;

    public IReadOnlyList<string> Labels { get; } = labels;

    public Dictionary<string, object?> Properties { get; } = properties;

    internal List<GraphRelationship> Outgoing { get; } = [];

    internal List<GraphRelationship> Incoming { get; } = [];
}

/// <summary>A relationship: element id, type, its two ends and its properties.</summary>
public sealed class GraphRelationship(string elementId, string type, GraphNode start, GraphNode end, Dictionary<string, object?> properties)
{
    public string ElementId { get; } = elementId;

    public string Type { get; } = type;

    public GraphNode Start { get; } = start;

    public GraphNode End { get; } = end;

    public Dictionary<string, object?> Properties { get; } = properties;
}
