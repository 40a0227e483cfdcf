using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// Rows of an edge table, each one edge with its own relation and weight. A row whose end is NULL, or
/// names no row of its table (the query adds whether it does, <see cref="EdgeTableSql"/>), or whose weight
/// is not a finite number, is a reject that says which, so every row is counted.
/// </summary>
internal sealed class EdgeRows(string kind, string source, PostgresCollectionOptions options) : IRowMapper
{
    private readonly PostgresEdgeTableOptions _edges = options.Edges!;
    private readonly RecordMapper _keys = new(kind, source, options.Name, options.Mapping);

    public string? KeyOf(FieldRow row) => _keys.KeyOf(row);

    public string? MemoryIdOf(string key) => null;

    public SourceItem Map(FieldRow row, SourcePosition position)
    {
        var key = KeyOf(row);
        var from = SourceKey.Format(row.Get(_edges.From));
        var to = SourceKey.Format(row.Get(_edges.To));
        if (from is null || to is null)
        {
            var column = from is null ? _edges.From : _edges.To;
            return Reject(position, key, null, RejectCodes.MissingEndpoint,
                $"column '{column}' is NULL, so the edge has no {(from is null ? "start" : "end")}. Fill it, or exclude such rows with \"where\": \"{column} IS NOT NULL\".");
        }

        if (row.Get(EdgeTableSql.FromKnown) is false || row.Get(EdgeTableSql.ToKnown) is false)
        {
            var (column, value, table) = row.Get(EdgeTableSql.FromKnown) is false
                ? (_edges.From, from, _edges.FromCollection) : (_edges.To, to, _edges.ToCollection);
            return Reject(position, key, null, RejectCodes.MissingEndpoint,
                $"column '{column}' holds '{value}', which is the key of no row of '{table}' (after its \"where\"), so the edge would point at no memory. Fix the link, or the \"{(column == _edges.From ? "fromCollection" : "toCollection")}\" setting.");
        }

        string? relation = null;
        if (_edges.Relation is { } relationColumn && !FieldValues.TryText(row.Get(relationColumn), out relation, out var why))
        {
            return Reject(position, key, null, RejectCodes.UnsupportedType, $"relation column '{relationColumn}' {why}. Name a text column as \"relation\".");
        }

        if (!TryWeight(row, out var weight, out var problem))
        {
            return Reject(position, key, null, RejectCodes.Malformed, problem!);
        }

        relation = string.IsNullOrWhiteSpace(relation) ? _edges.DefaultRelation : relation;
        var fromId = MemoryIdentity.ForRecord(kind, source, _edges.FromCollection, from);
        var toId = MemoryIdentity.ForRecord(kind, source, _edges.ToCollection, to);
        return SourceItem.ForEdge(position, new StagedEdge(
            MemoryIdentity.ForEdge(fromId, toId, relation), source, fromId, toId, relation, weight,
            $"{_edges.FromCollection} key {from}", $"{_edges.ToCollection} key {to}"));
    }

    public SourceItem Reject(SourcePosition position, string? key, string? memoryId, string code, string message)
        => _keys.Reject(position, key, memoryId, code, message);

    /// <summary>A NULL weight is no weight (the loader's default); a number must be finite; text must parse as one.</summary>
    private bool TryWeight(FieldRow row, out double? weight, out string? problem)
    {
        weight = null;
        problem = null;
        if (_edges.Weight is not { } column || row.Get(column) is not { } value)
        {
            return true;
        }

        if (!FieldValues.TryWeight(value, out weight))
        {
            FieldValues.TryText(value, out var text, out _);
            problem = $"weight column '{column}' holds '{text ?? value.GetType().Name}', expected a finite number (0 to 1; the loader clamps others). Fix the value, or exclude such rows with a \"where\".";
            return false;
        }

        return true;
    }
}
