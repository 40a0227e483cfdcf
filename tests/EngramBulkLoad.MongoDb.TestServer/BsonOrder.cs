using System.Text;
using MongoDB.Bson;

namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// MongoDB's comparison order across and within BSON types, as the server applies it to sorts and to
/// range predicates. Source: "Comparison/Sort Order",
/// https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/ (MinKey, Null, Numbers,
/// Symbol/String, Object, Array, BinData, ObjectId, Boolean, Date, Timestamp, Regular Expression,
/// JavaScript, JavaScript with scope, MaxKey; numbers compare by value whatever their type; strings by
/// simple binary comparison; BinData by length, then subtype, then bytes; objects field by field).
/// </summary>
public static class BsonOrder
{
    /// <summary>The rank of a value's type bracket (lowest first); values of one bracket compare by value.</summary>
    public static int Bracket(BsonValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.BsonType switch
        {
            BsonType.MinKey => 0,
            BsonType.Null or BsonType.Undefined => 1,
            BsonType.Int32 or BsonType.Int64 or BsonType.Double or BsonType.Decimal128 => 2,
            BsonType.String or BsonType.Symbol => 3,
            BsonType.Document => 4,
            BsonType.Array => 5,
            BsonType.Binary => 6,
            BsonType.ObjectId => 7,
            BsonType.Boolean => 8,
            BsonType.DateTime => 9,
            BsonType.Timestamp => 10,
            BsonType.RegularExpression => 11,
            BsonType.JavaScript => 12,
            BsonType.JavaScriptWithScope => 13,
            BsonType.MaxKey => 14,
            _ => throw new NotSupportedException($"BSON type {value.BsonType} has no place in the comparison order"),
        };
    }

    /// <summary>Compares two values in MongoDB's order.</summary>
    public static int Compare(BsonValue a, BsonValue b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var bracket = Bracket(a).CompareTo(Bracket(b));
        if (bracket != 0)
        {
            return bracket;
        }

        switch (Bracket(a))
        {
            case 0 or 1 or 14:
                return 0;
            case 2:
                return CompareNumbers(a, b);
            case 3:
                return CompareUtf8(a.BsonType == BsonType.Symbol ? a.AsBsonSymbol.Name : a.AsString, b.BsonType == BsonType.Symbol ? b.AsBsonSymbol.Name : b.AsString);
            case 4:
                return CompareDocuments(a.AsBsonDocument, b.AsBsonDocument);
            case 5:
                return CompareArrays(a.AsBsonArray, b.AsBsonArray);
            case 6:
                {
                    var x = a.AsBsonBinaryData;
                    var y = b.AsBsonBinaryData;
                    var c = x.Bytes.Length.CompareTo(y.Bytes.Length);
                    if (c == 0)
                    {
                        c = ((byte)x.SubType).CompareTo((byte)y.SubType);
                    }

                    return c != 0 ? c : x.Bytes.AsSpan().SequenceCompareTo(y.Bytes);
                }

            case 7:
                return a.AsObjectId.CompareTo(b.AsObjectId);
            case 8:
                return a.AsBoolean.CompareTo(b.AsBoolean);
            case 9:
                return a.AsBsonDateTime.MillisecondsSinceEpoch.CompareTo(b.AsBsonDateTime.MillisecondsSinceEpoch);
            case 10:
                // Timestamps are unsigned 64-bit values: seconds in the high half, an increment in the low half.
                return unchecked((ulong)a.AsBsonTimestamp.Value).CompareTo(unchecked((ulong)b.AsBsonTimestamp.Value));
            case 11:
                {
                    var c = CompareUtf8(a.AsBsonRegularExpression.Pattern, b.AsBsonRegularExpression.Pattern);
                    return c != 0 ? c : CompareUtf8(a.AsBsonRegularExpression.Options, b.AsBsonRegularExpression.Options);
                }

            default:
                return CompareUtf8(a.AsBsonJavaScript.Code, b.AsBsonJavaScript.Code);
        }
    }

    /// <summary>Equality as the query language sees it: numbers equal by value (1 == 1.0 == NumberLong(1)).</summary>
    public static bool Equal(BsonValue a, BsonValue b) => Compare(a, b) == 0;

    private static int CompareNumbers(BsonValue a, BsonValue b)
    {
        // NaN sorts below every other number (the same page, "Numeric Types").
        var aNaN = IsNaN(a);
        var bNaN = IsNaN(b);
        if (aNaN || bNaN)
        {
            return aNaN && bNaN ? 0 : aNaN ? -1 : 1;
        }

        if (a.BsonType is BsonType.Int32 or BsonType.Int64 && b.BsonType is BsonType.Int32 or BsonType.Int64)
        {
            return a.ToInt64().CompareTo(b.ToInt64());
        }

        if (a.BsonType == BsonType.Decimal128 || b.BsonType == BsonType.Decimal128)
        {
            if (TryDecimal(a, out var x) && TryDecimal(b, out var y))
            {
                return x.CompareTo(y);
            }
        }

        return a.ToDouble().CompareTo(b.ToDouble());
    }

    private static bool TryDecimal(BsonValue value, out decimal result)
    {
        try
        {
            result = value.BsonType switch
            {
                BsonType.Decimal128 => Decimal128.ToDecimal(value.AsDecimal128),
                BsonType.Double when double.IsFinite(value.AsDouble) && Math.Abs(value.AsDouble) < 7.9e28 => (decimal)value.AsDouble,
                BsonType.Double => throw new OverflowException(),
                _ => value.ToInt64(),
            };
            return true;
        }
        catch (OverflowException)
        {
            result = 0;
            return false;
        }
    }

    private static bool IsNaN(BsonValue value)
        => (value.BsonType == BsonType.Double && double.IsNaN(value.AsDouble)) || (value.BsonType == BsonType.Decimal128 && Decimal128.IsNaN(value.AsDecimal128));

    private static int CompareUtf8(string a, string b)
        => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private static int CompareDocuments(BsonDocument a, BsonDocument b)
    {
        for (var i = 0; i < Math.Min(a.ElementCount, b.ElementCount); i++)
        {
            var x = a.GetElement(i);
            var y = b.GetElement(i);
            var c = Bracket(x.Value).CompareTo(Bracket(y.Value));
            if (c == 0)
            {
                c = CompareUtf8(x.Name, y.Name);
            }

            if (c == 0)
            {
                c = Compare(x.Value, y.Value);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return a.ElementCount.CompareTo(b.ElementCount);
    }

    private static int CompareArrays(BsonArray a, BsonArray b)
    {
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var c = Compare(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }
}
