using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Neo4j;

/// <summary>
/// Reads relationships in element id order, one keyset page per query, and makes each a stand-alone edge. Each end
/// gets the memory id its node has: the node belongs to the first configured collection whose label it has, and its
/// key is that collection's key property (or element id). An end in no collection, or without the key property, gets
/// an id no record has, so the load rejects the edge as missing_endpoint, naming the node. The type is the edge's
/// relation (the job's engram.associationTypes map it to an association type, default semantic); the weight property
/// becomes the weight; the other properties are kept in the edge's description, which the association's reason carries.
/// </summary>
internal sealed class RelationshipReader(Neo4jSource source, Neo4jRelationshipOptions relationships)
{
    /// <summary>Longest properties text kept in a description; longer text is cut with a note saying how much.</summary>
    internal const int MaxPropertiesText = 1024;

    private readonly IReadOnlyList<string> _keyProperties = source.Options.Nodes
        .Select(c => c.KeyProperty).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    public async IAsyncEnumerable<SourceItem> ReadAsync(string? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = _keyProperties.Count;
        while (true)
        {
            var parameters = new Dictionary<string, object?>(StringComparer.Ordinal) { ["limit"] = (long)source.Options.PageSize };
            if (relationships.Types.Count > 0)
            {
                parameters["types"] = relationships.Types;
            }

            if (after is not null)
            {
                parameters["after"] = after;
            }

            var statement = CypherStatements.RelationshipPage(_keyProperties, relationships.Types.Count > 0, after is not null);
            var read = 0;
            await foreach (var row in source.QueryAsync(relationships.Name, statement, parameters, cancellationToken))
            {
                read++;
                var id = (string)row[0]!;
                after = id;
                var type = (string)row[1]!;
                var properties = row[2] as IDictionary<string, object?> ?? new Dictionary<string, object?>();
                var start = End((string)row[3]!, (IReadOnlyList<object?>)row[4]!, row.AsSpan(5, keys));
                var end = End((string)row[5 + keys]!, (IReadOnlyList<object?>)row[6 + keys]!, row.AsSpan(7 + keys, keys));
                if (!source.Shard.Includes(start.ShardKey))
                {
                    continue;
                }

                var position = SourcePosition.Of(new Neo4jCursor { AfterId = id }.ToJson(), $"relationship {id}");
                double? weight = null;
                if (properties.TryGetValue(relationships.WeightProperty, out var weightValue) && weightValue is not null)
                {
                    if (weightValue is long or double && Convert.ToDouble(weightValue, CultureInfo.InvariantCulture) is var number && double.IsFinite(number))
                    {
                        weight = number;
                    }
                    else
                    {
                        yield return SourceItem.ForReject(position, new RejectRecord(PipelineStage.Extract, source.Name, relationships.Name, position.Location, null, null, RejectCodes.Malformed,
                            $"relationship {id} ({type}: {start.Description} -> {end.Description}) has weight property '{relationships.WeightProperty}' = {Describe(weightValue)}, expected a finite number. Fix the value, or name another property with relationships.weight."));
                        continue;
                    }
                }

                var toDescription = end.Description + PropertiesNote(properties);
                yield return SourceItem.ForEdge(position, new StagedEdge(
                    MemoryIdentity.ForEdge(start.MemoryId, end.MemoryId, type), source.Name, start.MemoryId, end.MemoryId, type, weight, start.Description, toDescription));
            }

            if (read < source.Options.PageSize)
            {
                yield break;
            }
        }
    }

    /// <summary>The memory id and description of a relationship end, from its element id, labels and key properties.</summary>
    private EndNode End(string elementId, IReadOnlyList<object?> labels, ReadOnlySpan<object?> keys)
    {
        foreach (var collection in source.Options.Nodes)
        {
            if (!labels.Contains(collection.Label))
            {
                continue;
            }

            object? key = collection.KeyProperty is { } property ? keys[IndexOfKey(property)] : elementId;
            if (key is null || !TypedValueText.IsOrderable(key))
            {
                return Unmapped(elementId, labels, $"without its key property '{collection.KeyProperty}'");
            }

            var keyText = Neo4jSource.KeyText(key);
            return new EndNode(MemoryIdentity.ForRecord(Neo4jSource.SourceKind, source.Name, collection.Name, keyText), $"{collection.Name} key {keyText}", keyText);
        }

        return Unmapped(elementId, labels, "in no extracted collection");
    }

    private EndNode Unmapped(string elementId, IReadOnlyList<object?> labels, string why)
        => new(MemoryIdentity.ForRecord(Neo4jSource.SourceKind, source.Name, "(not extracted)", elementId),
            $"node {elementId} :{string.Join(':', labels)} ({why})", elementId);

    private int IndexOfKey(string property)
    {
        for (var i = 0; i < _keyProperties.Count; i++)
        {
            if (_keyProperties[i] == property)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"key property '{property}' was not requested");
    }

    /// <summary>The properties other than the weight, as JSON after the target's description ("; properties {...}"), or nothing.</summary>
    private string PropertiesNote(IDictionary<string, object?> properties)
    {
        var others = properties.Where(p => p.Key != relationships.WeightProperty).ToList();
        if (others.Count == 0)
        {
            return string.Empty;
        }

        var names = others.Select(p => p.Key).ToList();
        var row = new FieldRow(names, FieldRow.IndexOf(names), others.Select(p => p.Value).ToArray());
        var json = MetadataJson.Write(row, static _ => true);
        return json.Length <= MaxPropertiesText
            ? $"; properties {json}"
            : $"; properties {json[..MaxPropertiesText]}... ({json.Length - MaxPropertiesText:N0} more characters not kept)";
    }

    private static string Describe(object? value)
    {
        var text = value is string s ? JsonSerializer.Serialize(s) : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
        return text.Length > 60 ? text[..60] + "..." : text;
    }

    private readonly record struct EndNode(string MemoryId, string Description, string ShardKey);
}
