using System.Globalization;
using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>
/// The text forms of BSON values that identify something: an _id's key text (part of memory ids and of the
/// shard hash), and the exact, type-preserving form cursors and watermarks travel in (canonical Extended JSON,
/// https://www.mongodb.com/docs/manual/reference/mongodb-extended-json/).
/// </summary>
internal static class BsonText
{
    private static readonly JsonWriterSettings Canonical = new() { OutputMode = JsonOutputMode.CanonicalExtendedJson, Indent = false };

    /// <summary>
    /// The key text of an _id: a string as it is; an ObjectId as 24 lower-case hex digits; a number by its value
    /// (1, NumberLong(1) and 1.0 are one _id to MongoDB, so they are one key here); a standard UUID (binary
    /// subtype 4) in its 8-4-4-4-12 form; any other type as its canonical Extended JSON.
    /// </summary>
    public static string Key(BsonValue id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.BsonType switch
        {
            BsonType.String => id.AsString,
            BsonType.Symbol => id.AsBsonSymbol.Name,
            BsonType.ObjectId => id.AsObjectId.ToString(),
            BsonType.Int32 or BsonType.Int64 => id.ToInt64().ToString(CultureInfo.InvariantCulture),
            BsonType.Double => Number(id.AsDouble),
            BsonType.Decimal128 => DecimalKey(id.AsDecimal128),
            BsonType.Binary when id.AsBsonBinaryData.SubType == BsonBinarySubType.UuidStandard && id.AsBsonBinaryData.Bytes.Length == 16
                => id.AsBsonBinaryData.ToGuid(GuidRepresentation.Standard).ToString("D"),
            _ => Json(id),
        };
    }

    /// <summary>The value as canonical Extended JSON, which <see cref="Parse"/> turns back into the same value and type.</summary>
    public static string Json(BsonValue value)
    {
        // A value is written as the only field of a document and cut out, since JSON output starts at a document.
        var document = new BsonDocument("v", value).ToJson(Canonical);
        var start = document.IndexOf(':', StringComparison.Ordinal) + 1;
        // The driver's writer pads with spaces even unindented; the compact form is the one stored and compared.
        return System.Text.Json.Nodes.JsonNode.Parse(document[start..^1])?.ToJsonString() ?? "null";
    }

    /// <summary>Reads a value written by <see cref="Json"/>.</summary>
    public static BsonValue Parse(string json) => BsonDocument.Parse("{\"v\":" + json + "}")["v"];

    private static string Number(double value)
        => double.IsFinite(value) && Math.Abs(value) < 9.007199254740992e15 && Math.Floor(value) == value
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);

    private static string DecimalKey(Decimal128 value)
    {
        try
        {
            var d = Decimal128.ToDecimal(value);
            return d == decimal.Truncate(d) && Math.Abs(d) < 9_007_199_254_740_992m
                ? ((long)d).ToString(CultureInfo.InvariantCulture)
                : value.ToString();
        }
        catch (OverflowException)
        {
            return value.ToString();
        }
    }
}
