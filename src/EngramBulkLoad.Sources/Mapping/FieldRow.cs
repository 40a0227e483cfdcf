namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// One source row as names and values, the common shape every source turns its rows into before
/// mapping. Values are CLR values (string, long, decimal, DateTime, byte[], arrays, ...),
/// <see cref="System.Text.Json.JsonElement"/> for documents, or <see cref="RawJson"/> for JSON columns.
/// </summary>
public sealed class FieldRow
{
    private readonly IReadOnlyDictionary<string, int> _index;

    /// <summary>Creates a row; <paramref name="index"/> maps each name to its position and is usually shared by every row of a collection.</summary>
    public FieldRow(IReadOnlyList<string> names, IReadOnlyDictionary<string, int> index, object?[] values)
    {
        Names = names;
        _index = index;
        Values = values;
    }

    /// <summary>Field names, in source order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Field values, aligned with <see cref="Names"/>; null or DBNull for SQL NULL.</summary>
    public object?[] Values { get; }

    /// <summary>Builds the name-to-position index for a list of names.</summary>
    public static Dictionary<string, int> IndexOf(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var index = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            index.TryAdd(names[i], i);
        }

        return index;
    }

    /// <summary>True when the row has the field (even if its value is null).</summary>
    public bool Has(string name) => _index.ContainsKey(name);

    /// <summary>The field's value, or null when the row has no such field.</summary>
    public object? Get(string name) => _index.TryGetValue(name, out var i) ? Normalize(Values[i]) : null;

    private static object? Normalize(object? value) => value is DBNull ? null : value;
}

/// <summary>Text known to be JSON (a json/jsonb column); metadata embeds it as JSON, not as a string.</summary>
/// <param name="Json">The JSON text. It must be valid JSON, as the server guarantees for json and jsonb: metadata copies it without parsing it again.</param>
public sealed record RawJson(string Json);
