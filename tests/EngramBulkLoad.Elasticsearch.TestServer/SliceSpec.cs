using System.Text.Json;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// A "slice" of a search (reference "Paginate search results: sliced scroll"; point-in-time slicing,
/// elastic/elasticsearch PR #74457): { "id", "max", "field"? }. Without a field, documents are split by
/// their shard and internal document id, which only hold within one point in time; with a numeric field,
/// by the field's value, so a document falls in the same slice on any point in time.
/// </summary>
public sealed class SliceSpec
{
    private readonly int _id;
    private readonly int _max;
    private readonly string? _field;

    private SliceSpec(int id, int max, string? field)
    {
        _id = id;
        _max = max;
        _field = field;
    }

    /// <summary>Reads "slice"; null when absent.</summary>
    public static SliceSpec? Parse(JsonElement? slice, IReadOnlyList<EsIndex> indexes)
    {
        if (slice is not { } value)
        {
            return null;
        }

        var id = value.TryGetProperty("id", out var i) ? i.GetInt32() : throw EsError.Parsing("[slice] id is required");
        var max = value.TryGetProperty("max", out var m) ? m.GetInt32() : throw EsError.Parsing("[slice] max is required");
        var field = value.TryGetProperty("field", out var f) ? f.GetString() : null;
        if (max <= 1)
        {
            throw EsError.IllegalArgument("max must be greater than 1");
        }

        if (id < 0 || id >= max)
        {
            throw EsError.IllegalArgument(id < 0 ? "id must be greater than or equal to 0" : "max must be greater than id");
        }

        if (field is not null && indexes.Select(x => x.TypeOf(field)).FirstOrDefault(t => t is not null) is var type && type is not (FieldType.Long or FieldType.Date))
        {
            throw EsError.IllegalArgument($"cannot load numeric doc values on {field}");
        }

        return new SliceSpec(id, max, field);
    }

    /// <summary>True when the document belongs to this slice.</summary>
    public bool Contains(Candidate candidate)
    {
        long key;
        if (_field is null)
        {
            key = ((long)candidate.Shard * 1_000_003) + candidate.DocId;
        }
        else
        {
            // A document without the field goes to slice 0, as a missing doc value hashes to 0.
            var value = QueryEngine.Values(candidate, _field).FirstOrDefault();
            key = value.ValueKind == JsonValueKind.Number ? value.GetInt64() : EsIndex.TryEpochMillis(value, out var millis) ? millis : 0;
            key = (long)(Mix((ulong)key) & long.MaxValue);
        }

        return (int)(key % _max) == _id;
    }

    private static ulong Mix(ulong x)
    {
        // A 64-bit finaliser (splitmix64), so consecutive ids spread evenly over the slices.
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9UL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
