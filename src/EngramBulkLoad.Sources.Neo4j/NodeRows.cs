using System.Globalization;
using EngramBulkLoad.Sources.Mapping;
using EngramBulkLoad.Sources.Neo4j.QueryApi;

namespace EngramBulkLoad.Sources.Neo4j;

/// <summary>
/// Turns a node into the row the shared mapper reads: its properties in the server's order, then
/// <see cref="Neo4jSourceOptions.ElementIdField"/> and <see cref="Neo4jSourceOptions.LabelsField"/>. Nodes of one label
/// usually share their property names, so the names and index of the previous node are reused when they match.
/// </summary>
internal sealed class NodeRows(string? timestampField)
{
    private string[] _names = [];
    private Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public FieldRow Of(Neo4jNode node)
    {
        var count = node.Properties.Count;
        if (!SameShape(node.Properties))
        {
            _names = new string[count + 2];
            for (var i = 0; i < count; i++)
            {
                _names[i] = node.Properties[i].Key;
            }

            _names[count] = Neo4jSourceOptions.ElementIdField;
            _names[count + 1] = Neo4jSourceOptions.LabelsField;
            _index = FieldRow.IndexOf(_names);
        }

        var values = new object?[count + 2];
        for (var i = 0; i < count; i++)
        {
            var value = node.Properties[i].Value;
            values[i] = timestampField is not null && value is TypedText temporal && node.Properties[i].Key == timestampField && Neo4jTemporal.TryTimestamp(temporal, out var timestamp)
                ? timestamp
                : value;
        }

        values[count] = node.ElementId;
        values[count + 1] = node.Labels;
        return new FieldRow(_names, _index, values);
    }

    private bool SameShape(IReadOnlyList<KeyValuePair<string, object?>> properties)
    {
        if (_names.Length != properties.Count + 2)
        {
            return false;
        }

        for (var i = 0; i < properties.Count; i++)
        {
            if (!string.Equals(_names[i], properties[i].Key, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A Neo4j temporal as a point in time, for the memory's timestamp: DATE is midnight UTC, LOCAL DATETIME is taken as
/// UTC, ZONED DATETIME uses the offset the server wrote before the zone id ("2015-11-21T21:40:32+01:00[Europe/Berlin]").
/// .NET keeps 100 ns, so digits beyond the seventh of a fraction are dropped (README, "Neo4j"). Times of day and durations are not points in time.
/// </summary>
internal static class Neo4jTemporal
{
    public static bool TryTimestamp(TypedText value, out DateTimeOffset timestamp)
    {
        timestamp = default;
        var text = value.Text;
        switch (value.Type)
        {
            case "Date":
                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    timestamp = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                    return true;
                }

                return false;
            case "ZonedDateTime" or "OffsetDateTime" or "LocalDateTime":
                var zone = text.IndexOf('[', StringComparison.Ordinal);
                if (zone >= 0)
                {
                    text = text[..zone];
                }

                text = TrimFraction(text);
                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out timestamp);
            default:
                return false;
        }
    }

    /// <summary>Cuts a fraction of seconds to 7 digits (Java writes up to 9).</summary>
    private static string TrimFraction(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return text;
        }

        var end = dot + 1;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return end - dot - 1 <= 7 ? text : string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
    }
}
