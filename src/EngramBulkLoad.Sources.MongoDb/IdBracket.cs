using MongoDB.Bson;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>
/// The type brackets of _id values, in MongoDB's sort order (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/):
/// MinKey, Null, Numbers, Symbol/String, Object, Array, BinData, ObjectId, Boolean, Date, Timestamp, Regular
/// Expression, JavaScript, JavaScript with scope, MaxKey. A range predicate such as {_id: {$gt: x}} only matches
/// values of x's bracket ("Type Bracketing"), so resuming after x must also ask for every later bracket by $type.
/// </summary>
internal static class IdBracket
{
    // $type aliases per bracket: https://www.mongodb.com/docs/manual/reference/operator/query/type/
    private static readonly (string Name, string[] Types)[] Order =
    [
        ("minKey", ["minKey"]),
        ("null", ["null", "undefined"]),
        ("number", ["double", "int", "long", "decimal"]),
        ("string", ["string", "symbol"]),
        ("object", ["object"]),
        ("array", ["array"]),
        ("binData", ["binData"]),
        ("objectId", ["objectId"]),
        ("bool", ["bool"]),
        ("date", ["date"]),
        ("timestamp", ["timestamp"]),
        ("regex", ["regex"]),
        ("javascript", ["javascript"]),
        ("javascriptWithScope", ["javascriptWithScope"]),
        ("maxKey", ["maxKey"]),
    ];

    /// <summary>The bracket's name (as the cursor records it) for a value.</summary>
    public static string Of(BsonValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.BsonType switch
        {
            BsonType.MinKey => "minKey",
            BsonType.Null or BsonType.Undefined => "null",
            BsonType.Int32 or BsonType.Int64 or BsonType.Double or BsonType.Decimal128 => "number",
            BsonType.String or BsonType.Symbol => "string",
            BsonType.Document => "object",
            BsonType.Array => "array",
            BsonType.Binary => "binData",
            BsonType.ObjectId => "objectId",
            BsonType.Boolean => "bool",
            BsonType.DateTime => "date",
            BsonType.Timestamp => "timestamp",
            BsonType.RegularExpression => "regex",
            BsonType.JavaScript => "javascript",
            BsonType.JavaScriptWithScope => "javascriptWithScope",
            BsonType.MaxKey => "maxKey",
            _ => throw new NotSupportedException($"an _id of BSON type {value.BsonType} has no sort bracket"),
        };
    }

    /// <summary>
    /// The _id condition that reads on after <paramref name="last"/> in _id order: later values of its bracket,
    /// or any value of a later bracket. The cursor's bracket is checked against the value's own.
    /// </summary>
    public static BsonDocument After(BsonValue last, string bracket)
    {
        var index = Array.FindIndex(Order, b => b.Name == bracket);
        if (index < 0 || Of(last) != bracket)
        {
            throw new FormatException($"the cursor's bracket '{bracket}' does not match its _id of type {last.BsonType}");
        }

        var later = Order.Skip(index + 1).SelectMany(b => b.Types).Select(t => (BsonValue)t).ToList();
        if (later.Count == 0)
        {
            return new BsonDocument("_id", new BsonDocument("$gt", last));
        }

        return new BsonDocument("$or", new BsonArray
        {
            new BsonDocument("_id", new BsonDocument("$gt", last)),
            new BsonDocument("_id", new BsonDocument("$type", new BsonArray(later))),
        });
    }
}
