using MongoDB.Bson;

namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// Evaluates a find filter against a document: implicit equality, $eq, $ne, $gt, $gte, $lt, $lte, $in,
/// $nin, $exists, $type, and the logical $and, $or, $nor. Semantics from the query operator reference
/// (https://www.mongodb.com/docs/manual/reference/operator/query/): comparison operators match only values
/// of the operand's type bracket ("Type Bracketing", bson-type-comparison-order); a dotted path walks
/// embedded documents and array elements; a predicate on an array field matches when the array itself
/// or any element matches; $ne and $nin match documents without the field.
/// </summary>
public static class QueryMatcher
{
    // $type aliases: https://www.mongodb.com/docs/manual/reference/operator/query/type/ (with their numbers).
    private static readonly Dictionary<string, BsonType[]> TypeAliases = new(StringComparer.Ordinal)
    {
        ["double"] = [BsonType.Double], ["string"] = [BsonType.String], ["object"] = [BsonType.Document], ["array"] = [BsonType.Array],
        ["binData"] = [BsonType.Binary], ["undefined"] = [BsonType.Undefined], ["objectId"] = [BsonType.ObjectId], ["bool"] = [BsonType.Boolean],
        ["date"] = [BsonType.DateTime], ["null"] = [BsonType.Null], ["regex"] = [BsonType.RegularExpression], ["javascript"] = [BsonType.JavaScript],
        ["symbol"] = [BsonType.Symbol], ["javascriptWithScope"] = [BsonType.JavaScriptWithScope], ["int"] = [BsonType.Int32],
        ["timestamp"] = [BsonType.Timestamp], ["long"] = [BsonType.Int64], ["decimal"] = [BsonType.Decimal128], ["minKey"] = [BsonType.MinKey],
        ["maxKey"] = [BsonType.MaxKey], ["number"] = [BsonType.Double, BsonType.Int32, BsonType.Int64, BsonType.Decimal128],
    };

    /// <summary>True when the document matches the filter; throws BadValue for an operator the server would refuse.</summary>
    public static bool Matches(BsonDocument document, BsonDocument filter)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(filter);
        foreach (var element in filter)
        {
            if (!MatchesElement(document, element))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchesElement(BsonDocument document, BsonElement element)
    {
        switch (element.Name)
        {
            case "$and":
                return Clauses(element).All(c => Matches(document, c));
            case "$or":
                return Clauses(element).Any(c => Matches(document, c));
            case "$nor":
                return !Clauses(element).Any(c => Matches(document, c));
            case var name when name.StartsWith('$'):
                throw MongoServerException.BadValue($"unknown top level operator: {name}");
        }

        var values = Resolve(document, element.Name.Split('.'), 0).ToList();
        if (element.Value is BsonDocument operators && operators.ElementCount > 0 && operators.GetElement(0).Name.StartsWith('$'))
        {
            foreach (var op in operators)
            {
                if (!MatchesOperator(values, op))
                {
                    return false;
                }
            }

            return true;
        }

        return MatchesOperator(values, new BsonElement("$eq", element.Value));
    }

    private static IEnumerable<BsonDocument> Clauses(BsonElement element)
    {
        if (element.Value is not BsonArray { Count: > 0 } clauses || clauses.Any(c => c is not BsonDocument))
        {
            throw MongoServerException.BadValue($"{element.Name} must be a nonempty array");
        }

        return clauses.Select(c => c.AsBsonDocument);
    }

    /// <summary>The values at a dotted path; an array along the way contributes each of its elements.</summary>
    private static IEnumerable<BsonValue> Resolve(BsonValue current, string[] path, int index)
    {
        if (index == path.Length)
        {
            yield return current;
            yield break;
        }

        if (current is BsonDocument document)
        {
            if (document.TryGetValue(path[index], out var next))
            {
                foreach (var value in Resolve(next, path, index + 1))
                {
                    yield return value;
                }
            }
        }
        else if (current is BsonArray array)
        {
            if (int.TryParse(path[index], out var position) && position >= 0 && position < array.Count)
            {
                foreach (var value in Resolve(array[position], path, index + 1))
                {
                    yield return value;
                }
            }

            foreach (var item in array.OfType<BsonDocument>())
            {
                foreach (var value in Resolve(item, path, index))
                {
                    yield return value;
                }
            }
        }
    }

    private static bool MatchesOperator(List<BsonValue> values, BsonElement op)
    {
        switch (op.Name)
        {
            case "$eq":
                return op.Value.IsBsonNull ? values.Count == 0 || AnyCandidate(values, v => v.IsBsonNull) : AnyCandidate(values, v => BsonOrder.Equal(v, op.Value));
            case "$ne":
                return !MatchesOperator(values, new BsonElement("$eq", op.Value));
            case "$gt":
                return AnyCandidate(values, v => SameBracket(v, op.Value) && BsonOrder.Compare(v, op.Value) > 0);
            case "$gte":
                return AnyCandidate(values, v => SameBracket(v, op.Value) && BsonOrder.Compare(v, op.Value) >= 0);
            case "$lt":
                return AnyCandidate(values, v => SameBracket(v, op.Value) && BsonOrder.Compare(v, op.Value) < 0);
            case "$lte":
                return AnyCandidate(values, v => SameBracket(v, op.Value) && BsonOrder.Compare(v, op.Value) <= 0);
            case "$in":
                return op.Value is BsonArray candidates
                    ? candidates.Any(c => MatchesOperator(values, new BsonElement("$eq", c)))
                    : throw MongoServerException.BadValue("$in needs an array");
            case "$nin":
                return op.Value is BsonArray excluded
                    ? !excluded.Any(c => MatchesOperator(values, new BsonElement("$eq", c)))
                    : throw MongoServerException.BadValue("$nin needs an array");
            case "$exists":
                return values.Count > 0 == op.Value.ToBoolean();
            case "$type":
                {
                    var types = (op.Value is BsonArray list ? list.ToList() : [op.Value]).SelectMany(TypesOf).ToHashSet();
                    return values.Any(v => types.Contains(v.BsonType) || (v is BsonArray a && a.Any(e => types.Contains(e.BsonType))));
                }

            default:
                throw MongoServerException.BadValue($"unknown operator: {op.Name}");
        }
    }

    /// <summary>A value matches when it does, or (for an array) when any element does.</summary>
    private static bool AnyCandidate(List<BsonValue> values, Func<BsonValue, bool> test)
        => values.Any(v => test(v) || (v is BsonArray array && array.Any(test)));

    private static bool SameBracket(BsonValue a, BsonValue b) => BsonOrder.Bracket(a) == BsonOrder.Bracket(b);

    private static IEnumerable<BsonType> TypesOf(BsonValue alias)
    {
        if (alias.IsString)
        {
            return TypeAliases.TryGetValue(alias.AsString, out var types) ? types : throw MongoServerException.BadValue($"Unknown type name alias: {alias.AsString}");
        }

        if (alias.IsNumeric)
        {
            var number = alias.ToInt32();
            return [number == -1 ? BsonType.MinKey : number == 127 ? BsonType.MaxKey : (BsonType)number];
        }

        throw MongoServerException.BadValue("type must be represented as a number or a string");
    }
}
