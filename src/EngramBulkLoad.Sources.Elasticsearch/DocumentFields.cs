using System.Text.Json;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>
/// Turns a hit into the row every source maps: "_index", "_id", and the _source's fields with nested
/// objects flattened to dotted names ("author.name"), the way Elasticsearch itself addresses them in
/// queries and sorts. Arrays stay one field: an array of values is a list (text joins its items, metadata
/// keeps it as a JSON array); an array of objects stays JSON, since its items' fields cannot be flattened
/// without losing which values belong together.
/// </summary>
internal static class DocumentFields
{
    public static FieldRow ToRow(string index, string id, JsonElement source)
    {
        var names = new List<string> { ElasticsearchIndexOptions.IndexField, ElasticsearchIndexOptions.IdField };
        var values = new List<object?> { index, id };
        if (source.ValueKind == JsonValueKind.Object)
        {
            Flatten(source, null, names, values);
        }

        return new FieldRow(names, FieldRow.IndexOf(names), [.. values]);
    }

    private static void Flatten(JsonElement element, string? prefix, List<string> names, List<object?> values)
    {
        foreach (var property in element.EnumerateObject())
        {
            var name = prefix is null ? property.Name : $"{prefix}.{property.Name}";
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object && value.EnumerateObject().Any())
            {
                Flatten(value, name, names, values);
                continue;
            }

            names.Add(name);
            values.Add(value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(IsScalar) ? value.EnumerateArray().ToArray() : value);
        }
    }

    private static bool IsScalar(JsonElement element) => element.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array);
}
