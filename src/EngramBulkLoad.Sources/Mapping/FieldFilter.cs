using System.Text.Json;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// A collection's "where" for sources without a query language (files): field equality, e.g.
/// <c>"where": { "status": "open", "lang": ["en", "de"] }</c>. A row passes when every named field's text
/// (a JSON number or boolean as written) equals the value or one of the listed values. Rows that do not
/// pass are not source rows: they are neither staged nor rejected, and do not count.
/// </summary>
public sealed class FieldFilter
{
    private readonly (string Field, HashSet<string> Values)[] _conditions;

    private FieldFilter((string Field, HashSet<string> Values)[] conditions) => _conditions = conditions;

    /// <summary>Reads the filter at <paramref name="name"/> of the section; null when absent.</summary>
    public static FieldFilter? Read(ConfigNode node, string name)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.OptionalObject(name) is not { } where)
        {
            return null;
        }

        var conditions = new List<(string, HashSet<string>)>();
        foreach (var property in where.Element.EnumerateObject())
        {
            IReadOnlyList<string> values = property.Value.ValueKind switch
            {
                JsonValueKind.Array => where.StringList(property.Name),
                JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => [where.OptionalString(property.Name)!],
                _ => throw ErrorFactory.Config(where.At(property.Name), "expected a value or a list of values to compare the field with.",
                    "E.g. \"status\": \"open\" or \"lang\": [\"en\", \"de\"]."),
            };
            if (values.Count == 0)
            {
                throw ErrorFactory.Config(where.At(property.Name), "lists no value, so no row could pass.", "List at least one value, or remove the field from \"where\".");
            }

            conditions.Add((property.Name, new HashSet<string>(values, StringComparer.Ordinal)));
        }

        if (conditions.Count == 0)
        {
            throw ErrorFactory.Config(node.At(name), "names no field.", "E.g. \"where\": { \"status\": \"open\" }, or remove it.");
        }

        return new FieldFilter([.. conditions]);
    }

    /// <summary>True when the row passes every condition; a missing or null field never passes.</summary>
    public bool Matches(FieldRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        foreach (var (field, values) in _conditions)
        {
            if (!FieldValues.TryText(row.Get(field), out var text, out _) || text is null || !values.Contains(text))
            {
                return false;
            }
        }

        return true;
    }
}
