using EngramBulkLoad.Records;
using Parquet;
using Parquet.Schema;

namespace EngramBulkLoad.Snapshot.Parts;

internal sealed class RecordCodec : PartCodec<StagedRecord>
{
    private static readonly DataField<string> MemoryId = new("memory_id", nullable: false);
    private static readonly DataField<string> Source = new("source", nullable: false);
    private static readonly DataField<string> SourceKind = new("source_kind", nullable: false);
    private static readonly DataField<string> Collection = new("collection", nullable: false);
    private static readonly DataField<string> SourceKey = new("source_key", nullable: false);
    private static readonly DataField<string> Content = new("content", nullable: false);
    private static readonly DataField<string> ContentHash = new("content_hash", nullable: false);
    private static readonly DateTimeDataField Timestamp = new("timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true);
    private static readonly DataField<string> Kind_ = new("memory_kind", nullable: false);
    private static readonly DataField<long?> TtlSeconds = new("ttl_seconds", nullable: true);
    private static readonly DataField<string> MetadataJson = new("metadata_json", nullable: false);

    private static readonly ParquetSchema SchemaInstance = new(
        MemoryId, Source, SourceKind, Collection, SourceKey, Content, ContentHash, Timestamp, Kind_, TtlSeconds, MetadataJson);

    public override PartKind Kind => PartKind.Records;

    public override int RowGroupSize => 8192;

    internal override ParquetSchema Schema => SchemaInstance;

    internal override RowGroupBuffer<StagedRecord> CreateBuffer(int capacity) => new Buffer(capacity);

    internal override async ValueTask<StagedRecord[]> ReadRowGroupAsync(ParquetRowGroupReader reader, int rowCount, CancellationToken cancellationToken)
    {
        var memoryId = await ColumnIO.ReadStringsAsync(reader, MemoryId, rowCount, cancellationToken);
        var source = await ColumnIO.ReadStringsAsync(reader, Source, rowCount, cancellationToken);
        var sourceKind = await ColumnIO.ReadStringsAsync(reader, SourceKind, rowCount, cancellationToken);
        var collection = await ColumnIO.ReadStringsAsync(reader, Collection, rowCount, cancellationToken);
        var sourceKey = await ColumnIO.ReadStringsAsync(reader, SourceKey, rowCount, cancellationToken);
        var content = await ColumnIO.ReadStringsAsync(reader, Content, rowCount, cancellationToken);
        var contentHash = await ColumnIO.ReadStringsAsync(reader, ContentHash, rowCount, cancellationToken);
        var timestamp = await ColumnIO.ReadNullableAsync<DateTime>(reader, Timestamp, rowCount, cancellationToken);
        var kind = await ColumnIO.ReadStringsAsync(reader, Kind_, rowCount, cancellationToken);
        var ttl = await ColumnIO.ReadNullableAsync<long>(reader, TtlSeconds, rowCount, cancellationToken);
        var metadata = await ColumnIO.ReadStringsAsync(reader, MetadataJson, rowCount, cancellationToken);

        var rows = new StagedRecord[rowCount];
        for (var i = 0; i < rowCount; i++)
        {
            rows[i] = new StagedRecord(
                memoryId[i]!, source[i]!, sourceKind[i]!, collection[i]!, sourceKey[i]!, content[i]!, contentHash[i]!,
                timestamp[i] is { } ts ? new DateTimeOffset(DateTime.SpecifyKind(ts, DateTimeKind.Utc)) : null,
                MemoryKindNames.Parse(kind[i]!), ttl[i], metadata[i]!);
        }

        return rows;
    }

    private sealed class Buffer(int capacity) : RowGroupBuffer<StagedRecord>
    {
        private readonly TextArena _text = new();
        private readonly ReadOnlyMemory<char>[] _memoryId = new ReadOnlyMemory<char>[capacity];
        private readonly ReadOnlyMemory<char>[] _source = new ReadOnlyMemory<char>[capacity];
        private readonly ReadOnlyMemory<char>[] _sourceKind = new ReadOnlyMemory<char>[capacity];
        private readonly ReadOnlyMemory<char>[] _collection = new ReadOnlyMemory<char>[capacity];
        private readonly ReadOnlyMemory<char>[] _sourceKey = new ReadOnlyMemory<char>[capacity];
        private readonly ReadOnlyMemory<char>[] _content = new ReadOnlyMemory<char>[capacity];
        private readonly ReadOnlyMemory<char>[] _contentHash = new ReadOnlyMemory<char>[capacity];
        private readonly DateTime?[] _timestamp = new DateTime?[capacity];
        private readonly ReadOnlyMemory<char>[] _kind = new ReadOnlyMemory<char>[capacity];
        private readonly long?[] _ttl = new long?[capacity];
        private readonly ReadOnlyMemory<char>[] _metadata = new ReadOnlyMemory<char>[capacity];

        protected override long Store(int i, StagedRecord row)
        {
            // Per-row text is copied into the arena; source, kind and collection are shared by every row of a part.
            _memoryId[i] = _text.Copy(row.MemoryId);
            _source[i] = row.Source.AsMemory();
            _sourceKind[i] = row.SourceKind.AsMemory();
            _collection[i] = row.Collection.AsMemory();
            _sourceKey[i] = _text.Copy(row.SourceKey);
            _content[i] = _text.Copy(row.Content);
            _contentHash[i] = _text.Copy(row.ContentHash);
            _timestamp[i] = row.Timestamp?.UtcDateTime;
            _kind[i] = row.Kind.Name().AsMemory();
            _ttl[i] = row.TtlSeconds;
            _metadata[i] = _text.Copy(row.MetadataJson);
            return row.MemoryId.Length + row.SourceKey.Length + row.Content.Length + row.ContentHash.Length + row.MetadataJson.Length + 2 * sizeof(long);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken)
        {
            var n = Count;
            await ColumnIO.WriteTextAsync(writer, MemoryId, _memoryId, n, cancellationToken);
            await ColumnIO.WriteTextAsync(writer, Source, _source, n, cancellationToken);
            await ColumnIO.WriteTextAsync(writer, SourceKind, _sourceKind, n, cancellationToken);
            await ColumnIO.WriteTextAsync(writer, Collection, _collection, n, cancellationToken);
            await ColumnIO.WriteTextAsync(writer, SourceKey, _sourceKey, n, cancellationToken);
            await ColumnIO.WriteTextAsync(writer, Content, _content, n, cancellationToken);
            await ColumnIO.WriteTextAsync(writer, ContentHash, _contentHash, n, cancellationToken);
            await writer.WriteAsync<DateTime>(Timestamp, _timestamp.AsMemory(0, n), null, null, cancellationToken);
            await ColumnIO.WriteTextAsync(writer, Kind_, _kind, n, cancellationToken);
            await writer.WriteAsync<long>(TtlSeconds, _ttl.AsMemory(0, n), null, null, cancellationToken);
            await ColumnIO.WriteTextAsync(writer, MetadataJson, _metadata, n, cancellationToken);
        }

        protected override void ClearRows(int count)
        {
            Array.Clear(_memoryId, 0, count);
            Array.Clear(_source, 0, count);
            Array.Clear(_sourceKind, 0, count);
            Array.Clear(_collection, 0, count);
            Array.Clear(_sourceKey, 0, count);
            Array.Clear(_content, 0, count);
            Array.Clear(_contentHash, 0, count);
            Array.Clear(_kind, 0, count);
            Array.Clear(_metadata, 0, count);
            _text.Clear();
        }

        public override void Dispose() => _text.Dispose();
    }
}
