using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Sources.Mapping;
using MongoDB.Bson;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>
/// Turns a document into the field row every source maps, by one rule (README, "MongoDB source"):
/// embedded documents flatten to dotted names ("author.address.city") down to <c>flattenDepth</c> levels and
/// deeper ones stay one JSON value; arrays stay JSON arrays; each BSON type has one stated form (see
/// <see cref="Value"/>). Paths the mapping names that flattening does not produce ("tags.0", a field inside an
/// array's document) are resolved on the document and added to the row.
/// </summary>
internal sealed class DocumentRow
{
    private readonly int _flattenDepth;
    private readonly IReadOnlyList<string> _extraPaths;

    public DocumentRow(int flattenDepth, IReadOnlyList<string> extraPaths)
    {
        _flattenDepth = flattenDepth;
        _extraPaths = extraPaths;
    }

    /// <summary>True when flattening alone yields the path (no array index, not deeper than the limit).</summary>
    public static bool IsFlattened(string path, int flattenDepth)
    {
        var parts = path.Split('.');
        return parts.Length <= flattenDepth + 1 && !parts.Skip(1).Any(p => p.Length > 0 && p.All(char.IsAsciiDigit));
    }

    /// <summary>The document's row; its _id field holds the key text (<see cref="BsonText.Key"/>), which the memory id is made of.</summary>
    public FieldRow Read(BsonDocument document, string keyText)
    {
        var names = new List<string>(document.ElementCount + _extraPaths.Count);
        var values = new List<object?>(document.ElementCount + _extraPaths.Count);
        Flatten(document, string.Empty, 0, names, values);
        values[names.IndexOf("_id")] = keyText;
        foreach (var path in _extraPaths)
        {
            if (!names.Contains(path))
            {
                names.Add(path);
                values.Add(Resolve(document, path) is { } value ? Value(value) : null);
            }
        }

        return new FieldRow(names, FieldRow.IndexOf(names), [.. values]);
    }

    /// <summary>True when the document has the path (even holding null); "tags.0" indexes an array.</summary>
    public static bool Has(BsonDocument document, string path) => Resolve(document, path) is not null;

    /// <summary>The value at a dotted path, or null when the path does not exist.</summary>
    public static BsonValue? Resolve(BsonDocument document, string path)
    {
        BsonValue current = document;
        foreach (var part in path.Split('.'))
        {
            if (current is BsonDocument d && d.TryGetValue(part, out var next))
            {
                current = next;
            }
            else if (current is BsonArray a && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count)
            {
                current = a[i];
            }
            else
            {
                return null;
            }
        }

        return current;
    }

    private void Flatten(BsonDocument document, string prefix, int depth, List<string> names, List<object?> values)
    {
        foreach (var element in document)
        {
            var name = prefix + element.Name;
            // _id stays one field whatever its type: it is the record's key.
            if (element.Value is BsonDocument inner && !(depth == 0 && name == "_id") && depth < _flattenDepth && !IsDbRef(inner) && inner.ElementCount > 0)
            {
                Flatten(inner, name + ".", depth + 1, names, values);
            }
            else
            {
                names.Add(name);
                values.Add(Value(element.Value));
            }
        }
    }

    /// <summary>A DBRef: an embedded document whose first fields are $ref and $id (https://www.mongodb.com/docs/manual/reference/database-references/#dbrefs).</summary>
    public static bool IsDbRef(BsonDocument document)
        => document.ElementCount >= 2 && document.GetElement(0).Name == "$ref" && document[0].IsString && document.GetElement(1).Name == "$id";

    /// <summary>
    /// A top-level value's form: string, symbol and JavaScript code as text; Int32 and Int64 as exact integers;
    /// Double as a number (NaN and infinities as text); Decimal128 as its exact decimal text; Boolean; Date as a
    /// UTC date-time (outside year 1-9999: "Date(ms since epoch)"); ObjectId as 24 hex digits; UUID (binary
    /// subtype 4) as 8-4-4-4-12 text; other binary as bytes (metadata: base64 up to 1 KiB, size and SHA-256
    /// beyond); regex as /pattern/flags; Timestamp as "Timestamp(seconds, increment)"; MinKey/MaxKey by name;
    /// null and undefined as null; documents, DBRefs, arrays and code with scope as JSON of the same forms.
    /// </summary>
    public static object? Value(BsonValue value) => value.BsonType switch
    {
        BsonType.Null or BsonType.Undefined => null,
        BsonType.String => value.AsString,
        BsonType.Symbol => value.AsBsonSymbol.Name,
        BsonType.JavaScript => value.AsBsonJavaScript.Code,
        BsonType.Int32 => value.AsInt32,
        BsonType.Int64 => value.AsInt64,
        BsonType.Double => value.AsDouble,
        BsonType.Decimal128 => value.AsDecimal128.ToString(),
        BsonType.Boolean => value.AsBoolean,
        BsonType.DateTime => Date(value.AsBsonDateTime),
        BsonType.Binary when IsUuid(value.AsBsonBinaryData) => value.AsBsonBinaryData.ToGuid(GuidRepresentation.Standard),
        BsonType.Binary => value.AsBsonBinaryData.Bytes,
        BsonType.Document or BsonType.Array or BsonType.JavaScriptWithScope => new RawJson(Json(value)),
        _ => Text(value),
    };

    /// <summary>The text of the scalar types that have no CLR counterpart.</summary>
    private static string Text(BsonValue value) => value.BsonType switch
    {
        BsonType.ObjectId => value.AsObjectId.ToString(),
        BsonType.RegularExpression => $"/{value.AsBsonRegularExpression.Pattern}/{value.AsBsonRegularExpression.Options}",
        BsonType.Timestamp => string.Create(CultureInfo.InvariantCulture, $"Timestamp({value.AsBsonTimestamp.Timestamp}, {value.AsBsonTimestamp.Increment})"),
        BsonType.MinKey => "MinKey",
        BsonType.MaxKey => "MaxKey",
        _ => BsonText.Json(value),
    };

    private static object Date(BsonDateTime date)
        => date.IsValidDateTime ? date.ToUniversalTime() : string.Create(CultureInfo.InvariantCulture, $"Date({date.MillisecondsSinceEpoch})");

    private static bool IsUuid(BsonBinaryData binary) => binary.SubType == BsonBinarySubType.UuidStandard && binary.Bytes.Length == 16;

    /// <summary>A document, array or code with scope as JSON, each value in the form <see cref="Value"/> gives it.</summary>
    public static string Json(BsonValue value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteJson(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteJson(Utf8JsonWriter writer, BsonValue value)
    {
        switch (value.BsonType)
        {
            case BsonType.Document:
                writer.WriteStartObject();
                foreach (var element in value.AsBsonDocument)
                {
                    writer.WritePropertyName(element.Name);
                    WriteJson(writer, element.Value);
                }

                writer.WriteEndObject();
                return;
            case BsonType.Array:
                writer.WriteStartArray();
                foreach (var item in value.AsBsonArray)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                return;
            case BsonType.JavaScriptWithScope:
                writer.WriteStartObject();
                writer.WriteString("$code", value.AsBsonJavaScriptWithScope.Code);
                writer.WritePropertyName("$scope");
                WriteJson(writer, value.AsBsonJavaScriptWithScope.Scope);
                writer.WriteEndObject();
                return;
        }

        switch (Value(value))
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double d:
                writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case DateTime date:
                writer.WriteStringValue(date.ToString("O", CultureInfo.InvariantCulture));
                break;
            case Guid guid:
                writer.WriteStringValue(guid.ToString("D"));
                break;
            case byte[] bytes:
                writer.WriteStringValue(MetadataJson.BinaryText(bytes));
                break;
            default:
                writer.WriteStringValue(BsonText.Json(value));
                break;
        }
    }
}
