using System.Runtime.InteropServices;
using EngramBulkLoad.Records;
using Parquet;
using Parquet.Schema;

namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>
/// Vectors are stored as little-endian float32 bytes in one binary column plus the dimension, not as
/// a Parquet list of floats: a list costs a repetition level per float to write and read, the bytes
/// are one copy each way, and every Parquet reader can still decode them.
/// </summary>
internal sealed class VectorCodec : PartCodec<StagedVector>
{
    private static readonly DataField<string> MemoryId = new(VectorColumns.MemoryId, nullable: false);
    private static readonly DataField<string> ContentHash = new(VectorColumns.ContentHash, nullable: false);
    private static readonly DataField<string> ModelId = new(VectorColumns.ModelId, nullable: false);
    private static readonly DataField<int> Dimension = new("dimension", nullable: false);
    private static readonly DataField<byte[]> Vector = new("vector_f32le", nullable: false);
    private static readonly DataField<int> TokenCount = new("token_count", nullable: false);
    private static readonly DataField<bool> Truncated = new("truncated", nullable: false);

    private static readonly ParquetSchema SchemaInstance = new(MemoryId, ContentHash, ModelId, Dimension, Vector, TokenCount, Truncated);

    public override PartKind Kind => PartKind.Vectors;

    // The writer's byte budget ends a row group first for any real dimension (341 rows of 768 floats).
    public override int RowGroupSize => 4096;

    internal override ParquetSchema Schema => SchemaInstance;

    internal override RowGroupBuffer<StagedVector> CreateBuffer(int capacity) => new Buffer(capacity);

    internal override async ValueTask<StagedVector[]> ReadRowGroupAsync(ParquetRowGroupReader reader, int rowCount, CancellationToken cancellationToken)
    {
        var memoryId = await ColumnIO.ReadStringsAsync(reader, MemoryId, rowCount, cancellationToken);
        var contentHash = await ColumnIO.ReadStringsAsync(reader, ContentHash, rowCount, cancellationToken);
        var modelId = await ColumnIO.ReadStringsAsync(reader, ModelId, rowCount, cancellationToken);
        var dimension = await ColumnIO.ReadValuesAsync<int>(reader, Dimension, rowCount, cancellationToken);
        var vector = await ColumnIO.ReadBytesAsync(reader, Vector, rowCount, cancellationToken);
        var tokens = await ColumnIO.ReadValuesAsync<int>(reader, TokenCount, rowCount, cancellationToken);
        var truncated = await ColumnIO.ReadValuesAsync<bool>(reader, Truncated, rowCount, cancellationToken);

        var rows = new StagedVector[rowCount];
        for (var i = 0; i < rowCount; i++)
        {
            if (vector[i] is not { } bytes || bytes.Length != dimension[i] * sizeof(float))
            {
                throw new InvalidDataException(
                    $"row {i} of memory '{memoryId[i]}' has {vector[i]?.Length ?? 0} vector bytes, expected {dimension[i] * sizeof(float)} for dimension {dimension[i]}");
            }

            rows[i] = new StagedVector(memoryId[i]!, contentHash[i]!, modelId[i]!, MemoryMarshal.Cast<byte, float>(bytes).ToArray(), tokens[i], truncated[i]);
        }

        return rows;
    }

    private sealed class Buffer(int capacity) : RowGroupBuffer<StagedVector>
    {
        private readonly string[] _memoryId = new string[capacity];
        private readonly string[] _contentHash = new string[capacity];
        private readonly string[] _modelId = new string[capacity];
        private readonly int[] _dimension = new int[capacity];
        private readonly byte[][] _vector = new byte[capacity][];
        private readonly int[] _tokens = new int[capacity];
        private readonly bool[] _truncated = new bool[capacity];

        protected override long Store(int i, StagedVector row)
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("The vectors column is little-endian float32; big-endian machines are not supported.");
            }

            _memoryId[i] = row.MemoryId;
            _contentHash[i] = row.ContentHash;
            _modelId[i] = row.ModelId;
            _dimension[i] = row.Vector.Length;
            _vector[i] = MemoryMarshal.AsBytes(row.Vector.AsSpan()).ToArray();
            _tokens[i] = row.TokenCount;
            _truncated[i] = row.Truncated;
            return _vector[i].Length + row.MemoryId.Length + row.ContentHash.Length + row.ModelId.Length + 2 * sizeof(int);
        }

        public override async Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken)
        {
            var n = Count;
            await ColumnIO.WriteStringsAsync(writer, MemoryId, _memoryId, n);
            await ColumnIO.WriteStringsAsync(writer, ContentHash, _contentHash, n);
            await ColumnIO.WriteStringsAsync(writer, ModelId, _modelId, n);
            await ColumnIO.WriteValuesAsync(writer, Dimension, _dimension, n, cancellationToken);
            await ColumnIO.WriteBytesAsync(writer, Vector, _vector, n);
            await ColumnIO.WriteValuesAsync(writer, TokenCount, _tokens, n, cancellationToken);
            await ColumnIO.WriteValuesAsync(writer, Truncated, _truncated, n, cancellationToken);
        }

        protected override void ClearRows(int count)
        {
            Array.Clear(_memoryId, 0, count);
            Array.Clear(_contentHash, 0, count);
            Array.Clear(_modelId, 0, count);
            Array.Clear(_vector, 0, count);
        }
    }
}
