using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// What a row of a collection becomes: a record (tables and queries) or an edge (edge tables). The keyset
/// read is the same for both; only this differs.
/// </summary>
internal interface IRowMapper
{
    /// <summary>The row's key text, or null when a key column is NULL.</summary>
    string? KeyOf(FieldRow row);

    /// <summary>The memory id a row with this key would have; null for rows that are not records.</summary>
    string? MemoryIdOf(string key);

    /// <summary>The row as an item: a record, an edge, or a reject with its reason.</summary>
    SourceItem Map(FieldRow row, SourcePosition position);

    /// <summary>A reject of this collection, for problems found before mapping (unreadable values, repeated keys).</summary>
    SourceItem Reject(SourcePosition position, string? key, string? memoryId, string code, string message);
}

/// <summary>Rows of a table or query, which become records.</summary>
internal sealed class RecordRows(RecordMapper mapper) : IRowMapper
{
    public string? KeyOf(FieldRow row) => mapper.KeyOf(row);

    public string? MemoryIdOf(string key) => mapper.MemoryIdOf(key);

    public SourceItem Map(FieldRow row, SourcePosition position) => mapper.Map(row, position);

    public SourceItem Reject(SourcePosition position, string? key, string? memoryId, string code, string message)
        => mapper.Reject(position, key, memoryId, code, message);
}
