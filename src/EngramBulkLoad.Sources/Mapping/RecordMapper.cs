using System.Text;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// Maps one row of one collection to a staged record and its edges, or to a reject that says why.
/// Every source uses this, so a row from PostgreSQL and a line of JSONL follow the same rules.
/// </summary>
public sealed class RecordMapper
{
    private const string Separator = "\n\n";

    private readonly string _sourceKind;
    private readonly string _source;
    private readonly string _collection;
    private readonly MappingOptions _options;
    private readonly ReferenceEdges _references;
    private readonly HashSet<string> _textFields;
    private readonly HashSet<string> _excluded;
    private readonly HashSet<string>? _included;
    private readonly Func<string, bool> _includeInMetadata;
    private readonly string?[] _texts;

    /// <summary>Creates a mapper for one collection.</summary>
    public RecordMapper(string sourceKind, string source, string collection, MappingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sourceKind = sourceKind;
        _source = source;
        _collection = collection;
        _options = options;
        _references = new ReferenceEdges(sourceKind, source, collection);
        _textFields = new HashSet<string>(options.TextFields, StringComparer.Ordinal);
        _excluded = new HashSet<string>(options.MetadataExclude, StringComparer.Ordinal);
        _included = options.MetadataInclude.Contains("*") ? null : new HashSet<string>(options.MetadataInclude, StringComparer.Ordinal);
        _includeInMetadata = IncludeInMetadata;
        _texts = new string?[options.Text.Count];
    }

    /// <summary>The source key of a row, or null when a key field is missing or NULL.</summary>
    public string? KeyOf(FieldRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (_options.Key.Count == 1)
        {
            return SourceKey.Format(row.Get(_options.Key[0]));
        }

        var values = new object?[_options.Key.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = row.Get(_options.Key[i]);
        }

        return SourceKey.Format(values);
    }

    /// <summary>Maps a row.</summary>
    /// <param name="row">The row's fields.</param>
    /// <param name="position">Where the row is, and where to resume after it.</param>
    public SourceItem Map(FieldRow row, SourcePosition position)
    {
        ArgumentNullException.ThrowIfNull(row);
        var key = KeyOf(row);
        if (key is null)
        {
            return MissingKey(row, position);
        }

        var memoryId = MemoryIdentity.ForRecord(_sourceKind, _source, _collection, key);
        if (!TryContent(row, out var content, out var problem))
        {
            return Reject(position, key, memoryId, RejectCodes.UnsupportedType, problem!);
        }

        if (string.IsNullOrWhiteSpace(content))
        {
            return Reject(position, key, memoryId, RejectCodes.EmptyText,
                $"the text field(s) {string.Join(", ", _options.TextFields.Select(f => $"'{f}'"))} are NULL or empty, so there is nothing to embed. Fill them, or map other text fields.");
        }

        // UTF-8 needs at least one byte per UTF-16 unit and at most three, so most rows skip the count.
        if (content.Length * 3L > _options.MaxContentBytes && Encoding.UTF8.GetByteCount(content) is var bytes && bytes > _options.MaxContentBytes)
        {
            return Reject(position, key, memoryId, RejectCodes.TextTooLarge,
                $"the content is {bytes:N0} bytes; the limit is {_options.MaxContentBytes:N0}. Raise maxContentBytes, or map shorter text fields.");
        }

        DateTimeOffset? timestamp = null;
        if (_options.Timestamp is { } timestampField && !FieldValues.TryTimestamp(row.Get(timestampField), out timestamp))
        {
            return Reject(position, key, memoryId, RejectCodes.Malformed,
                $"timestamp field '{timestampField}' holds '{Describe(row.Get(timestampField))}', expected a date-time (ISO 8601, a timestamp column, or Unix seconds). Fix the value or drop the timestamp mapping.");
        }

        IReadOnlyList<StagedEdge> edges = [];
        if (_options.References.Count > 0)
        {
            edges = _references.Of(_options.References, row, memoryId, key, out var edgeProblem);
            if (edgeProblem is not null)
            {
                return Reject(position, key, memoryId, RejectCodes.Malformed, edgeProblem);
            }
        }

        var metadata = MetadataJson.Write(row, _includeInMetadata);
        var record = new StagedRecord(memoryId, _source, _sourceKind, _collection, key, content, ContentHash.Of(content), timestamp, _options.Kind, null, metadata);
        var item = SourceItem.ForRecord(position, record, edges);
        if (_options.Timestamp is { } field && row.Get(field) is InfiniteTime infinite)
        {
            item.Note = $"timestamp field '{field}' is {infinite.Text}, which is no point in time: the memory has no time ({infinite.Text} is kept in its metadata)";
        }

        return item;
    }

    private SourceItem MissingKey(FieldRow row, SourcePosition position)
    {
        var missing = _options.Key.First(field => row.Get(field) is null);
        return Reject(position, null, null, RejectCodes.MissingKey,
            row.Has(missing)
                ? $"key field '{missing}' is NULL; every record needs a key to get a stable memory id. Fix the data, or choose key fields that are never NULL."
                : $"the record has no key field '{missing}'. Check the mapping's key, or the record's shape.");
    }

    /// <summary>A reject of this collection, for problems found before mapping (unparseable lines, duplicates).</summary>
    public SourceItem Reject(SourcePosition position, string? key, string? memoryId, string code, string message)
    {
        ArgumentNullException.ThrowIfNull(position);
        return SourceItem.ForReject(position, new RejectRecord(PipelineStage.Extract, _source, _collection, position.Location, key, memoryId, code, message));
    }

    /// <summary>The memory id a key of this collection gets.</summary>
    public string MemoryIdOf(string key) => MemoryIdentity.ForRecord(_sourceKind, _source, _collection, key);

    private bool IncludeInMetadata(string field)
        => !_excluded.Contains(field) && (_included?.Contains(field) ?? !_textFields.Contains(field));

    private bool TryContent(FieldRow row, out string? content, out string? problem)
    {
        problem = null;
        if (_options.Template is { } template)
        {
            return TryRender(template, row, out content, out problem);
        }

        // The non-blank texts joined by a blank line, made as one string of the exact length; the scratch
        // array is the mapper's own (a mapper maps one collection's rows in turn).
        var texts = _texts;
        var count = 0;
        var length = 0;
        foreach (var name in _options.Text)
        {
            var text = Text(row, name, ref problem);
            if (!string.IsNullOrWhiteSpace(text))
            {
                length += (count == 0 ? 0 : Separator.Length) + text.Length;
                texts[count++] = text;
            }
        }

        content = count switch
        {
            0 => string.Empty,
            1 => texts[0],
            _ => string.Create(length, (texts, count), static (span, state) =>
            {
                for (var i = 0; i < state.count; i++)
                {
                    if (i > 0)
                    {
                        Separator.CopyTo(span);
                        span = span[Separator.Length..];
                    }

                    state.texts[i]!.CopyTo(span);
                    span = span[state.texts[i]!.Length..];
                }
            }),
        };
        Array.Clear(texts, 0, count);
        return problem is null;
    }

    private static bool TryRender(TextTemplate template, FieldRow row, out string? content, out string? problem)
    {
        string? failed = null;
        content = template.Render(name => Text(row, name, ref failed));
        problem = failed;
        return failed is null;
    }

    private static string? Text(FieldRow row, string name, ref string? failed)
    {
        if (!FieldValues.TryText(row.Get(name), out var text, out var why))
        {
            failed ??= $"text field '{name}' {why}. Map it as metadata instead, or choose a text field.";
        }

        return text;
    }

    private static string Describe(object? value)
    {
        var text = FieldValues.TryText(value, out var t, out _) ? t ?? "NULL" : value?.GetType().Name ?? "NULL";
        return text.Length > 60 ? text[..60] + "..." : text;
    }
}
