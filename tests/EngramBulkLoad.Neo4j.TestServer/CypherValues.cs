using System.Collections;
using System.Globalization;

namespace EngramBulkLoad.Neo4j.TestServer;

/// <summary>
/// A temporal value or duration, kept as the ISO-8601 text Neo4j writes for it (Java's DateTimeFormatter ISO forms:
/// CypherTypes.java in neo4j/neo4j community/server/.../queryapi/response/format). <see cref="Kind"/> is the Query API
/// type name: Date, Time, LocalTime, OffsetDateTime, ZonedDateTime, LocalDateTime, Duration.
/// </summary>
public sealed record CypherTemporal(string Kind, string Text)
{
    /// <summary>A zoned datetime with an offset ("2025-01-02T03:04:05.123456789+01:00").</summary>
    public static CypherTemporal DateTime(string text) => new(text.Contains('[', StringComparison.Ordinal) ? "ZonedDateTime" : "OffsetDateTime", text);

    /// <summary>The ordering family: zoned and offset datetimes are one Cypher type (ZONED DATETIME).</summary>
    internal string Family => Kind is "OffsetDateTime" or "ZonedDateTime" ? "DateTime" : Kind;

    /// <summary>A comparable key: the instant (or local value) at 100 ns, then the full fraction digits.</summary>
    internal (long Ticks, string Fraction)? SortKey()
    {
        var text = Text;
        var zone = text.IndexOf('[', StringComparison.Ordinal);
        if (zone >= 0)
        {
            text = text[..zone];
        }

        var fraction = string.Empty;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            fraction = text[(dot + 1)..end].PadRight(9, '0');
            text = string.Concat(text.AsSpan(0, Math.Min(end, dot + 8)), text.AsSpan(end));
        }

        var styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        return Family switch
        {
            "DateTime" when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, styles, out var instant) => (instant.UtcTicks, fraction),
            "LocalDateTime" when System.DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) => (local.Ticks, fraction),
            "Date" when DateOnly.TryParse(text, CultureInfo.InvariantCulture, out var date) => (date.DayNumber, fraction),
            "LocalTime" when TimeOnly.TryParse(text, CultureInfo.InvariantCulture, out var time) => (time.Ticks, fraction),
            "Time" when DateTimeOffset.TryParse("2000-01-01T" + text, CultureInfo.InvariantCulture, styles, out var time) => (time.UtcTicks, fraction),
            _ => null,
        };
    }
}

/// <summary>A spatial point; <see cref="Text"/> is the EWKT form the Query API writes ("SRID=4326;POINT (12.5 55.7)").</summary>
public sealed record CypherPoint(int Srid, double X, double Y, double? Z = null)
{
    public string Text => $"SRID={Srid.ToString(CultureInfo.InvariantCulture)};POINT{(Z is null ? " " : " Z ")}({JavaDouble.Format(X)} {JavaDouble.Format(Y)}{(Z is { } z ? " " + JavaDouble.Format(z) : string.Empty)})";
}

/// <summary>Cypher's rules for values: normal forms, equality, comparison and the global sort order of ORDER BY.</summary>
/// <remarks>
/// Source: https://neo4j.com/docs/cypher-manual/5/values-and-types/ordering-equality-comparison/ . Comparing values of
/// different types with &lt; or &gt; gives null; = gives false (null when either side is null); numbers compare across
/// INTEGER and FLOAT. ORDER BY orders all values: MAP, NODE, RELATIONSHIP, LIST, PATH, POINT, ZONED DATETIME,
/// LOCAL DATETIME, DATE, ZONED TIME, LOCAL TIME, DURATION, STRING, BOOLEAN, NUMBER, and null last. Strings compare
/// by UTF-16 code unit (Java's String.compareTo), which is .NET's ordinal comparison.
/// </remarks>
public static class CypherValues
{
    /// <summary>The Cypher form of a CLR value: integers as long, floats as double, arrays and lists as lists.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        int or short or byte or sbyte or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        float f => (double)f,
        decimal m => (double)m,
        DateTimeOffset dto => CypherTemporal.DateTime(dto.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture).Replace("+00:00", "Z", StringComparison.Ordinal)),
        DateOnly date => new CypherTemporal("Date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        byte[] => value,
        string => value,
        IDictionary<string, object?> map => map.ToDictionary(p => p.Key, p => Normalize(p.Value), StringComparer.Ordinal),
        IEnumerable list => list.Cast<object?>().Select(Normalize).ToList(),
        _ => value,
    };

    /// <summary>Cypher's = : true, false, or null (unknown).</summary>
    public static bool? Equal(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return a is long x && b is long y ? x == y : ToDouble(a) == ToDouble(b);
        }

        switch (a, b)
        {
            case (string x, string y):
                return string.Equals(x, y, StringComparison.Ordinal);
            case (bool x, bool y):
                return x == y;
            case (GraphNode x, GraphNode y):
                return x.ElementId == y.ElementId;
            case (GraphRelationship x, GraphRelationship y):
                return x.ElementId == y.ElementId;
            case (CypherTemporal x, CypherTemporal y):
                return x.Family == y.Family && (x.SortKey() is { } kx && y.SortKey() is { } ky ? kx == ky : x.Text == y.Text);
            case (CypherPoint x, CypherPoint y):
                return x == y;
            case (byte[] x, byte[] y):
                return x.AsSpan().SequenceEqual(y);
            case (List<object?> x, List<object?> y):
                if (x.Count != y.Count)
                {
                    return false;
                }

                bool? all = true;
                for (var i = 0; i < x.Count; i++)
                {
                    var e = Equal(x[i], y[i]);
                    if (e == false)
                    {
                        return false;
                    }

                    if (e is null)
                    {
                        all = null;
                    }
                }

                return all;
            case (Dictionary<string, object?> x, Dictionary<string, object?> y):
                return x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && Equal(p.Value, v) == true);
            default:
                return false;
        }
    }

    /// <summary>Cypher's &lt; family: the sign of the comparison, or null when the values are not comparable.</summary>
    public static int? Compare(object? a, object? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            if (a is long x && b is long y)
            {
                return x.CompareTo(y);
            }

            var dx = ToDouble(a);
            var dy = ToDouble(b);
            return double.IsNaN(dx) || double.IsNaN(dy) ? null : dx.CompareTo(dy);
        }

        return (a, b) switch
        {
            (string x, string y) => Math.Sign(string.CompareOrdinal(x, y)),
            (bool x, bool y) => x.CompareTo(y),
            (CypherTemporal x, CypherTemporal y) when x.Family == y.Family && x.Family != "Duration" && x.SortKey() is { } kx && y.SortKey() is { } ky
                => kx.Ticks != ky.Ticks ? kx.Ticks.CompareTo(ky.Ticks) : string.CompareOrdinal(kx.Fraction, ky.Fraction),
            _ => null,
        };
    }

    /// <summary>ORDER BY's total order (ascending): by type family as the manual lists them, then within the type; null last.</summary>
    public static int OrderCompare(object? a, object? b)
    {
        var ra = Rank(a);
        var rb = Rank(b);
        if (ra != rb)
        {
            return ra.CompareTo(rb);
        }

        switch (a, b)
        {
            case (null, null):
                return 0;
            case (List<object?> x, List<object?> y):
                for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
                {
                    var c = OrderCompare(x[i], y[i]);
                    if (c != 0)
                    {
                        return c;
                    }
                }

                return x.Count.CompareTo(y.Count);
            case (GraphNode x, GraphNode y):
                return string.CompareOrdinal(x.ElementId, y.ElementId);
            case (GraphRelationship x, GraphRelationship y):
                return string.CompareOrdinal(x.ElementId, y.ElementId);
            case (CypherTemporal x, CypherTemporal y) when x.Family == "Duration":
                return string.CompareOrdinal(x.Text, y.Text);
            case (CypherPoint x, CypherPoint y):
                return x.Srid != y.Srid ? x.Srid.CompareTo(y.Srid) : x.X != y.X ? x.X.CompareTo(y.X) : x.Y.CompareTo(y.Y);
            case (double x, double y) when double.IsNaN(x) || double.IsNaN(y):
                // NaN sorts after every other number in Cypher.
                return double.IsNaN(x).CompareTo(double.IsNaN(y));
            default:
                return Compare(a, b) ?? 0;
        }
    }

    /// <summary>The Cypher type name of a value, for error messages ("Integer", "String", ...).</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NULL",
        long => "Integer",
        double => "Float",
        string => "String",
        bool => "Boolean",
        byte[] => "ByteArray",
        List<object?> => "List",
        Dictionary<string, object?> => "Map",
        GraphNode => "Node",
        GraphRelationship => "Relationship",
        CypherTemporal t => t.Kind,
        CypherPoint => "Point",
        _ => value.GetType().Name,
    };

    internal static bool IsNumber(object value) => value is long or double;

    internal static double ToDouble(object value) => value is long l ? l : (double)value;

    private static int Rank(object? value) => value switch
    {
        Dictionary<string, object?> => 0,
        GraphNode => 1,
        GraphRelationship => 2,
        List<object?> or byte[] => 3,
        CypherPoint => 5,
        CypherTemporal { Family: "DateTime" } => 6,
        CypherTemporal { Family: "LocalDateTime" } => 7,
        CypherTemporal { Family: "Date" } => 8,
        CypherTemporal { Family: "Time" } => 9,
        CypherTemporal { Family: "LocalTime" } => 10,
        CypherTemporal => 11,
        string => 12,
        bool => 13,
        long or double => 14,
        null => 16,
        _ => 15,
    };
}

/// <summary>Java's Double.toString, which the Query API uses for FLOAT values: "1.0", "0.5", "1.0E10", "1.0E-5", "NaN", "Infinity".</summary>
public static class JavaDouble
{
    public static string Format(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        var abs = Math.Abs(value);
        if (abs is >= 1e-3 and < 1e7)
        {
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
        }

        // Scientific: shortest round-trip digits as d.dddE[-]n.
        var e = value.ToString("E16", CultureInfo.InvariantCulture);
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var digits = new string(shortest.Where(char.IsAsciiDigit).ToArray());
        var exponentIndex = shortest.IndexOfAny(['E', 'e']);
        if (exponentIndex >= 0)
        {
            digits = new string(shortest[..exponentIndex].Where(char.IsAsciiDigit).ToArray());
        }

        digits = digits.TrimStart('0');
        var exponent = int.Parse(e[(e.IndexOf('E', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
        var mantissa = digits.Length <= 1 ? $"{digits}.0" : $"{digits[0]}.{digits[1..].TrimEnd('0')}";
        if (mantissa.EndsWith('.'))
        {
            mantissa += "0";
        }

        return $"{(value < 0 ? "-" : string.Empty)}{mantissa}E{exponent.ToString(CultureInfo.InvariantCulture)}";
    }
}
