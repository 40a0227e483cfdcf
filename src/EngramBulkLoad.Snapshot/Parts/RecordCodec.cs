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
        private readonly string[] _memoryId = new string[capacity];
        private readonly string[] _source = new string[capacity];
        private readonly string[] _sourceKind = new string[capacity];
        private readonly string[] _collection = new string[capacity];
        private readonly string[] _sourceKey = new string[capacity];
        private readonly string[] _content = new string[capacity];
        private readonly string[] _contentHash = new string[capacity];
        private readonly DateTime?[] _timestamp = new DateTime?[capacity];
        private readonly string[] _kind = new string[capacity];
        private readonly long?[] _ttl = new long?[capacity];
        private readonly string[] _metadata = new string[capacity];

        public override void Add(StagedRecord row)
        {
            var i = Count++;
            _memoryId[i] = row.MemoryId;
            _source[i] = row.Source;
            _sourceKind[i] = row.SourceKind;
            _collection[i] = row.Collection;
            _sourceKey[i] = row.SourceKey;
            _content[i] = row.Content;
            _contentHash[i] = row.ContentHash;
            _timestamp[i] = row.Timestamp?.UtcDateTime;
            _kind[i] = row.Kind.Name();
            _ttl[i] = row.TtlSeconds;
            _metadata[i] = row.MetadataJson;
        }

        public override async Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken)
        {
            var n = Count;
            await ColumnIO.WriteStringsAsync(writer, MemoryId, _memoryId, n);
            await ColumnIO.WriteStringsAsync(writer, Source, _source, n);
            await ColumnIO.WriteStringsAsync(writer, SourceKind, _sourceKind, n);
            await ColumnIO.WriteStringsAsync(writer, Collection, _collection, n);
            await ColumnIO.WriteStringsAsync(writer, SourceKey, _sourceKey, n);
            await ColumnIO.WriteStringsAsync(writer, Content, _content, n);
            await ColumnIO.WriteStringsAsync(writer, ContentHash, _contentHash, n);
            await writer.WriteAsync<DateTime>(Timestamp, _timestamp.AsMemory(0, n), null, null, cancellationToken);
            await ColumnIO.WriteStringsAsync(writer, Kind_, _kind, n);
            await writer.WriteAsync<long>(TtlSeconds, _ttl.AsMemory(0, n), null, null, cancellationToken);
            await ColumnIO.WriteStringsAsync(writer, MetadataJson, _metadata, n);
        }

        public override void Clear()
        {
            Array.Clear(_memoryId, 0, Count);
            Array.Clear(_source, 0, Count);
            Array.Clear(_sourceKind, 0, Count);
            Array.Clear(_collection, 0, Count);
            Array.Clear(_sourceKey, 0, Count);
            Array.Clear(_content, 0, Count);
            Array.Clear(_contentHash, 0, Count);
            Array.Clear(_kind, 0, Count);
            Array.Clear(_metadata, 0, Count);
            Count = 0;
        }
    }
}
