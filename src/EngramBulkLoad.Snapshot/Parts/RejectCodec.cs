using EngramBulkLoad.Records;
using Parquet;
using Parquet.Schema;

namespace EngramBulkLoad.Snapshot.Parts;

internal sealed class RejectCodec : PartCodec<RejectRecord>
{
    private static readonly DataField<string> Stage = new("stage", nullable: false);
    private static readonly DataField<string> Source = new("source", nullable: false);
    private static readonly DataField<string> Collection = new("collection", nullable: false);
    private static readonly DataField<string> Location = new("location", nullable: false);
    private static readonly DataField<string> SourceKey = new("source_key", nullable: true);
    private static readonly DataField<string> MemoryId = new("memory_id", nullable: true);
    private static readonly DataField<string> Code = new("code", nullable: false);
    private static readonly DataField<string> Message = new("message", nullable: false);

    private static readonly ParquetSchema SchemaInstance = new(Stage, Source, Collection, Location, SourceKey, MemoryId, Code, Message);

    public override PartKind Kind => PartKind.Rejects;

    public override int RowGroupSize => 8192;

    internal override ParquetSchema Schema => SchemaInstance;

    internal override RowGroupBuffer<RejectRecord> CreateBuffer(int capacity) => new Buffer(capacity);

    internal override async ValueTask<RejectRecord[]> ReadRowGroupAsync(ParquetRowGroupReader reader, int rowCount, CancellationToken cancellationToken)
    {
        var stage = await ColumnIO.ReadStringsAsync(reader, Stage, rowCount, cancellationToken);
        var source = await ColumnIO.ReadStringsAsync(reader, Source, rowCount, cancellationToken);
        var collection = await ColumnIO.ReadStringsAsync(reader, Collection, rowCount, cancellationToken);
        var location = await ColumnIO.ReadStringsAsync(reader, Location, rowCount, cancellationToken);
        var sourceKey = await ColumnIO.ReadStringsAsync(reader, SourceKey, rowCount, cancellationToken);
        var memoryId = await ColumnIO.ReadStringsAsync(reader, MemoryId, rowCount, cancellationToken);
        var code = await ColumnIO.ReadStringsAsync(reader, Code, rowCount, cancellationToken);
        var message = await ColumnIO.ReadStringsAsync(reader, Message, rowCount, cancellationToken);

        var rows = new RejectRecord[rowCount];
        for (var i = 0; i < rowCount; i++)
        {
            rows[i] = new RejectRecord(
                Enum.Parse<PipelineStage>(stage[i]!, ignoreCase: true), source[i]!, collection[i]!, location[i]!,
                sourceKey[i], memoryId[i], code[i]!, message[i]!);
        }

        return rows;
    }

    private sealed class Buffer(int capacity) : RowGroupBuffer<RejectRecord>
    {
        private readonly string[] _stage = new string[capacity];
        private readonly string[] _source = new string[capacity];
        private readonly string[] _collection = new string[capacity];
        private readonly string[] _location = new string[capacity];
        private readonly string?[] _sourceKey = new string?[capacity];
        private readonly string?[] _memoryId = new string?[capacity];
        private readonly string[] _code = new string[capacity];
        private readonly string[] _message = new string[capacity];

        protected override long Store(int i, RejectRecord row)
        {
            _stage[i] = row.Stage.ToString().ToLowerInvariant();
            _source[i] = row.Source;
            _collection[i] = row.Collection;
            _location[i] = row.Location;
            _sourceKey[i] = row.SourceKey;
            _memoryId[i] = row.MemoryId;
            _code[i] = row.Code;
            _message[i] = row.Message;
            return row.Location.Length + (row.SourceKey?.Length ?? 0) + (row.MemoryId?.Length ?? 0) + row.Code.Length + row.Message.Length;
        }

        public override async Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken)
        {
            var n = Count;
            await ColumnIO.WriteStringsAsync(writer, Stage, _stage, n);
            await ColumnIO.WriteStringsAsync(writer, Source, _source, n);
            await ColumnIO.WriteStringsAsync(writer, Collection, _collection, n);
            await ColumnIO.WriteStringsAsync(writer, Location, _location, n);
            await ColumnIO.WriteStringsAsync(writer, SourceKey, _sourceKey, n);
            await ColumnIO.WriteStringsAsync(writer, MemoryId, _memoryId, n);
            await ColumnIO.WriteStringsAsync(writer, Code, _code, n);
            await ColumnIO.WriteStringsAsync(writer, Message, _message, n);
        }

        protected override void ClearRows(int count)
        {
            Array.Clear(_stage, 0, count);
            Array.Clear(_source, 0, count);
            Array.Clear(_collection, 0, count);
            Array.Clear(_location, 0, count);
            Array.Clear(_sourceKey, 0, count);
            Array.Clear(_memoryId, 0, count);
            Array.Clear(_code, 0, count);
            Array.Clear(_message, 0, count);
        }
    }
}
