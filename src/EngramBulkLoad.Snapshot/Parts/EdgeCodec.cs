using EngramBulkLoad.Records;
using Parquet;
using Parquet.Schema;

namespace EngramBulkLoad.Snapshot.Parts;

internal sealed class EdgeCodec : PartCodec<StagedEdge>
{
    private static readonly DataField<string> EdgeId = new("edge_id", nullable: false);
    private static readonly DataField<string> Source = new("source", nullable: false);
    private static readonly DataField<string> FromMemoryId = new("from_memory_id", nullable: false);
    private static readonly DataField<string> ToMemoryId = new("to_memory_id", nullable: false);
    private static readonly DataField<string> Relation = new("relation", nullable: false);
    private static readonly DataField<double?> Weight = new("weight", nullable: true);
    private static readonly DataField<string> FromDescription = new("from_description", nullable: false);
    private static readonly DataField<string> ToDescription = new("to_description", nullable: false);

    private static readonly ParquetSchema SchemaInstance = new(
        EdgeId, Source, FromMemoryId, ToMemoryId, Relation, Weight, FromDescription, ToDescription);

    public override PartKind Kind => PartKind.Edges;

    public override int RowGroupSize => 16384;

    internal override ParquetSchema Schema => SchemaInstance;

    internal override RowGroupBuffer<StagedEdge> CreateBuffer(int capacity) => new Buffer(capacity);

    internal override async ValueTask<StagedEdge[]> ReadRowGroupAsync(ParquetRowGroupReader reader, int rowCount, CancellationToken cancellationToken)
    {
        var edgeId = await ColumnIO.ReadStringsAsync(reader, EdgeId, rowCount, cancellationToken);
        var source = await ColumnIO.ReadStringsAsync(reader, Source, rowCount, cancellationToken);
        var from = await ColumnIO.ReadStringsAsync(reader, FromMemoryId, rowCount, cancellationToken);
        var to = await ColumnIO.ReadStringsAsync(reader, ToMemoryId, rowCount, cancellationToken);
        var relation = await ColumnIO.ReadStringsAsync(reader, Relation, rowCount, cancellationToken);
        var weight = await ColumnIO.ReadNullableAsync<double>(reader, Weight, rowCount, cancellationToken);
        var fromDescription = await ColumnIO.ReadStringsAsync(reader, FromDescription, rowCount, cancellationToken);
        var toDescription = await ColumnIO.ReadStringsAsync(reader, ToDescription, rowCount, cancellationToken);

        var rows = new StagedEdge[rowCount];
        for (var i = 0; i < rowCount; i++)
        {
            rows[i] = new StagedEdge(edgeId[i]!, source[i]!, from[i]!, to[i]!, relation[i]!, weight[i], fromDescription[i]!, toDescription[i]!);
        }

        return rows;
    }

    private sealed class Buffer(int capacity) : RowGroupBuffer<StagedEdge>
    {
        private readonly string[] _edgeId = new string[capacity];
        private readonly string[] _source = new string[capacity];
        private readonly string[] _from = new string[capacity];
        private readonly string[] _to = new string[capacity];
        private readonly string[] _relation = new string[capacity];
        private readonly double?[] _weight = new double?[capacity];
        private readonly string[] _fromDescription = new string[capacity];
        private readonly string[] _toDescription = new string[capacity];

        protected override long Store(int i, StagedEdge row)
        {
            _edgeId[i] = row.EdgeId;
            _source[i] = row.Source;
            _from[i] = row.FromMemoryId;
            _to[i] = row.ToMemoryId;
            _relation[i] = row.Relation;
            _weight[i] = row.Weight;
            _fromDescription[i] = row.FromDescription;
            _toDescription[i] = row.ToDescription;
            return row.EdgeId.Length + row.FromMemoryId.Length + row.ToMemoryId.Length + row.Relation.Length
                + row.FromDescription.Length + row.ToDescription.Length + sizeof(double);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken)
        {
            var n = Count;
            await ColumnIO.WriteStringsAsync(writer, EdgeId, _edgeId, n);
            await ColumnIO.WriteStringsAsync(writer, Source, _source, n);
            await ColumnIO.WriteStringsAsync(writer, FromMemoryId, _from, n);
            await ColumnIO.WriteStringsAsync(writer, ToMemoryId, _to, n);
            await ColumnIO.WriteStringsAsync(writer, Relation, _relation, n);
            await writer.WriteAsync<double>(Weight, _weight.AsMemory(0, n), null, null, cancellationToken);
            await ColumnIO.WriteStringsAsync(writer, FromDescription, _fromDescription, n);
            await ColumnIO.WriteStringsAsync(writer, ToDescription, _toDescription, n);
        }

        protected override void ClearRows(int count)
        {
            Array.Clear(_edgeId, 0, count);
            Array.Clear(_source, 0, count);
            Array.Clear(_from, 0, count);
            Array.Clear(_to, 0, count);
            Array.Clear(_relation, 0, count);
            Array.Clear(_fromDescription, 0, count);
            Array.Clear(_toDescription, 0, count);
        }
    }
}
