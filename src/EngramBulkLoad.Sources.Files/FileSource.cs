using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Files;

/// <summary>
/// A JSONL or CSV documents file, and optionally an edges file as a second collection named
/// "COLLECTION.edges". The cursor is the row position, so a resumed read skips the rows already staged.
/// A shard keeps the documents whose key hashes to it (so repeated keys meet in one shard and are still
/// caught), and the rows without a key (unparseable, key missing) and edges-file lines by position.
/// </summary>
internal sealed class FileSource : IRecordSource
{
    private readonly FileSourceOptions _options;
    private readonly JsonElement _section;
    private readonly RecordMapper _mapper;
    private readonly ShardSpec _shard;

    public FileSource(string name, string kind, FileSourceOptions options, JsonElement section, ShardSpec shard)
    {
        Name = name;
        Kind = kind;
        _options = options;
        _section = section;
        _shard = shard;
        _mapper = new RecordMapper(kind, name, options.Collection, options.Mapping);
        Collections = options.Edges is null ? [options.Collection] : [options.Collection, EdgesCollection];
    }

    public string Name { get; }

    public string Kind { get; }

    public IReadOnlyList<string> Collections { get; }

    private string EdgesCollection => _options.Collection + ".edges";

    public JsonObject DescribeSettings() => SourceSettings.WithShard(SourceSettings.Redact(_section), _shard);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        CheckReadable(_options.Path, _options.Collection);
        if (_options.Edges is { } edges)
        {
            CheckReadable(edges.Path, EdgesCollection);
        }

        await foreach (var row in ReadRowsAsync(_options.Path, _options.Format, cancellationToken))
        {
            if (row.Fields is null)
            {
                continue; // A bad first row is a reject, not a reason to refuse the file.
            }

            var missing = _options.Mapping.NamedFields().Where(field => !row.Fields.Has(field)).ToList();
            if (missing.Count > 0 && _options.Format == FileFormat.Csv)
            {
                throw ErrorFactory.Source(Name, _options.Collection,
                    $"the CSV header has no column {string.Join(", ", missing.Select(m => $"'{m}'"))}; it has {string.Join(", ", row.Fields.Names)}. Fix the mapping or the header.");
            }

            if (_options.Mapping.Key.Concat(_options.Mapping.TextFields).FirstOrDefault(field => !row.Fields.Has(field)) is { } absent)
            {
                throw ErrorFactory.Source(Name, _options.Collection,
                    $"the first document ({row.Location}) has no field '{absent}'; its fields are {string.Join(", ", row.Fields.Names)}. Fix the mapping's key or text.");
            }

            break;
        }
    }

    public async Task<long?> EstimateCountAsync(string collection, CancellationToken cancellationToken)
    {
        var path = collection == EdgesCollection ? _options.Edges!.Path : _options.Path;
        var format = collection == EdgesCollection ? _options.Edges!.Format : _options.Format;
        long lines = 0;
        var buffer = new byte[1 << 16];
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return (format == FileFormat.Csv ? Math.Max(0, lines - 1) : lines) / _shard.Count;
    }

    public IAsyncEnumerable<SourceItem> ReadAsync(string collection, string? cursor, CancellationToken cancellationToken)
    {
        var after = cursor is null ? 0 : long.Parse(cursor, CultureInfo.InvariantCulture);
        return collection == EdgesCollection
            ? ReadEdgesAsync(after, cancellationToken)
            : ReadDocumentsAsync(after, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async IAsyncEnumerable<SourceItem> ReadDocumentsAsync(long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Memory ids seen in this run: a key that repeats would become one memory, so later copies are rejected.
        // Kept as 16-byte numbers: a set of the strings was the largest thing extraction held (124 MB per million rows, now 50).
        var seen = new MemoryIdSet();
        await foreach (var row in ReadRowsAsync(_options.Path, _options.Format, cancellationToken))
        {
            if (row.Position <= after)
            {
                continue;
            }

            var position = SourcePosition.Of(row.Position.ToString(CultureInfo.InvariantCulture), row.Location);
            if (row.Fields is null)
            {
                // An unparseable line cannot be tested against "where"; it stays a reject, so it is never lost silently.
                if (!_shard.IncludesPosition(row.Position))
                {
                    continue;
                }

                yield return _mapper.Reject(position, null, null, RejectCodes.Malformed, $"{row.Location} {row.Problem}");
                continue;
            }

            if ((_options.Where is { } where && !where.Matches(row.Fields)) || !InShard(row.Fields, row.Position))
            {
                continue;
            }

            var item = _mapper.Map(row.Fields, position);
            if (item.Record is { } record && !seen.Add(record.MemoryId))
            {
                yield return _mapper.Reject(position, record.SourceKey, record.MemoryId, RejectCodes.DuplicateKey,
                    $"key {record.SourceKey} appeared before in this file; the first record with this key is kept. Make keys unique, or choose other key fields.");
                continue;
            }

            yield return item;
        }
    }

    private async IAsyncEnumerable<SourceItem> ReadEdgesAsync(long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var edges = _options.Edges!;
        var fromCollection = edges.FromCollection ?? _options.Collection;
        var toCollection = edges.ToCollection ?? _options.Collection;
        await foreach (var row in ReadRowsAsync(edges.Path, edges.Format, cancellationToken))
        {
            if (row.Position <= after || !_shard.IncludesPosition(row.Position))
            {
                continue;
            }

            var position = SourcePosition.Of(row.Position.ToString(CultureInfo.InvariantCulture), row.Location);
            if (row.Fields is not { } fields)
            {
                yield return EdgeReject(position, RejectCodes.Malformed, $"{row.Location} {row.Problem}");
                continue;
            }

            var from = SourceKey.Format(fields.Get(edges.From));
            var to = SourceKey.Format(fields.Get(edges.To));
            if (from is null || to is null)
            {
                yield return EdgeReject(position, RejectCodes.MissingKey,
                    $"{row.Location}: the edge needs both '{edges.From}' and '{edges.To}'; '{(from is null ? edges.From : edges.To)}' is missing or null.");
                continue;
            }

            FieldValues.TryText(fields.Get(edges.RelationField), out var relation, out _);
            double? weight = null;
            if (fields.Get(edges.WeightField) is { } weightValue)
            {
                if (!FieldValues.TryText(weightValue, out var weightText, out _)
                    || !double.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !double.IsFinite(parsed))
                {
                    yield return EdgeReject(position, RejectCodes.Malformed, $"{row.Location}: weight '{weightValue}' is not a number.");
                    continue;
                }

                weight = parsed;
            }

            relation = string.IsNullOrWhiteSpace(relation) ? edges.DefaultRelation : relation;
            var fromId = MemoryIdentity.ForRecord(Kind, Name, fromCollection, from);
            var toId = MemoryIdentity.ForRecord(Kind, Name, toCollection, to);
            yield return SourceItem.ForEdge(position, new StagedEdge(
                MemoryIdentity.ForEdge(fromId, toId, relation), Name, fromId, toId, relation, weight,
                $"{fromCollection} key {from}", $"{toCollection} key {to}"));
        }
    }

    private bool InShard(FieldRow fields, long position)
        => _shard.IsWhole || (_mapper.KeyOf(fields) is { } key ? _shard.Includes(key) : _shard.IncludesPosition(position));

    private SourceItem EdgeReject(SourcePosition position, string code, string message)
        => SourceItem.ForReject(position, new RejectRecord(PipelineStage.Extract, Name, EdgesCollection, position.Location, null, null, code, message));

    private IAsyncEnumerable<FileRow> ReadRowsAsync(string path, FileFormat format, CancellationToken cancellationToken)
        => format == FileFormat.Csv ? CsvRows.ReadAsync(Name, path, _options.Delimiter, cancellationToken) : JsonLinesRows.ReadAsync(path, cancellationToken);

    private void CheckReadable(string path, string collection)
    {
        if (!File.Exists(path))
        {
            throw ErrorFactory.Source(Name, collection, $"the file '{path}' does not exist. Check the path (relative paths are resolved against the config file's folder).");
        }

        try
        {
            using var _ = File.OpenRead(path);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw ErrorFactory.Source(Name, collection, $"the file '{path}' cannot be read by this user. Fix its permissions.", ex);
        }
    }
}
