using System.Collections;
using System.Text.Json;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// The edges a row's references imply. A reference field holds one key, an array of keys (an
/// Elasticsearch keyword array, a PostgreSQL array column), or an array of objects that each name a key
/// and may carry their own relation and weight ("element"): one edge per key, each edge once. A NULL key
/// is no relationship. A weight that is not a number, or an object without its key, is a problem the
/// caller rejects the row for: an edge is never dropped or given another weight silently.
/// </summary>
internal sealed class ReferenceEdges(string sourceKind, string source, string collection)
{
    public IReadOnlyList<StagedEdge> Of(IReadOnlyList<ReferenceMapping> references, FieldRow row, string memoryId, string key, out string? problem)
    {
        problem = null;
        var edges = new List<StagedEdge>(references.Count);
        HashSet<string>? seen = null;
        foreach (var reference in references)
        {
            var weight = reference.Weight;
            if (reference.WeightField is { } weightField)
            {
                if (!FieldValues.TryWeight(row.Get(weightField), out var own))
                {
                    problem = $"weight field '{weightField}' holds '{Text(row.Get(weightField))}', expected a number. Fix the value, or remove \"weightField\" to use the reference's \"weight\".";
                    return [];
                }

                weight = own ?? weight;
            }

            if (reference.Fields.Count == 1 && Elements(row.Get(reference.Fields[0])) is { } elements)
            {
                foreach (var element in elements)
                {
                    if (!TryAdd(edges, ref seen, reference, element, weight, memoryId, key, out problem))
                    {
                        return [];
                    }
                }
            }
            else if (SourceKey.Format(reference.Fields.Select(row.Get).ToArray()) is { } targetKey)
            {
                Add(edges, ref seen, reference, targetKey, reference.Relation, weight, memoryId, key);
            }
        }

        return edges;
    }

    /// <summary>The items of an array value; null for a single value. Text and bytes are single values, not arrays.</summary>
    private static IEnumerable<object?>? Elements(object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Cast<object?>(),
        string or byte[] => null,
        IEnumerable items => items.Cast<object?>(),
        _ => null,
    };

    private bool TryAdd(
        List<StagedEdge> edges, ref HashSet<string>? seen, ReferenceMapping reference, object? element, double? weight, string memoryId, string key, out string? problem)
    {
        problem = null;
        var field = reference.Fields[0];
        if (element is not JsonElement { ValueKind: JsonValueKind.Object } item)
        {
            if (SourceKey.Format(element is JsonElement { ValueKind: JsonValueKind.Null } ? null : element) is { } targetKey)
            {
                Add(edges, ref seen, reference, targetKey, reference.Relation, weight, memoryId, key);
            }

            return true;
        }

        if (reference.Element is not { } shape)
        {
            problem = $"reference field '{field}' holds objects, not keys. Name their fields with \"element\": {{ \"id\": \"...\", \"relation\": \"...\", \"weight\": \"...\" }}.";
            return false;
        }

        if (!item.TryGetProperty(shape.Id, out var id) || id.ValueKind is JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array)
        {
            problem = $"an object of reference field '{field}' has no key in '{shape.Id}': {Text(item)}. Fix the link, or the \"element\".\"id\" setting.";
            return false;
        }

        var relation = reference.Relation;
        if (shape.Relation is { } relationField && item.TryGetProperty(relationField, out var type) && FieldValues.TryText(type, out var typeText, out _) && !string.IsNullOrWhiteSpace(typeText))
        {
            relation = typeText;
        }

        if (shape.Weight is { } weightField && item.TryGetProperty(weightField, out var own))
        {
            if (!FieldValues.TryWeight(own, out var ownWeight))
            {
                problem = $"an object of reference field '{field}' has weight {Text(own)} in '{weightField}', expected a number: {Text(item)}. Fix the link.";
                return false;
            }

            weight = ownWeight ?? weight;
        }

        Add(edges, ref seen, reference, SourceKey.Format(id)!, relation, weight, memoryId, key);
        return true;
    }

    private void Add(List<StagedEdge> edges, ref HashSet<string>? seen, ReferenceMapping reference, string targetKey, string relation, double? weight, string memoryId, string key)
    {
        var target = MemoryIdentity.ForRecord(sourceKind, source, reference.Collection, targetKey);
        var edgeId = MemoryIdentity.ForEdge(memoryId, target, relation);
        seen ??= new HashSet<string>(StringComparer.Ordinal);
        if (seen.Add(edgeId))
        {
            edges.Add(new StagedEdge(edgeId, source, memoryId, target, relation, weight, $"{collection} key {key}", $"{reference.Collection} key {targetKey}"));
        }
    }

    private static string Text(object? value)
    {
        var text = FieldValues.TryText(value, out var t, out _) ? t ?? "NULL" : value?.GetType().Name ?? "NULL";
        return text.Length > 80 ? text[..80] + "..." : text;
    }
}
