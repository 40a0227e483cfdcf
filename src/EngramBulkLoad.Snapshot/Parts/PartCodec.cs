using Parquet;
using Parquet.Schema;

namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>
/// How one kind of row maps to Parquet columns. Rows are buffered column by column for one row
/// group and written together, so a writer holds at most one row group in memory.
/// </summary>
/// <typeparam name="T">The row type (a staged record, edge, reject or vector).</typeparam>
public abstract class PartCodec<T>
{
    private protected PartCodec()
    {
    }

    /// <summary>What the part files of this codec hold.</summary>
    public abstract PartKind Kind { get; }

    /// <summary>Rows per row group: the unit a writer buffers and a reader decodes at a time.</summary>
    public abstract int RowGroupSize { get; }

    internal abstract ParquetSchema Schema { get; }

    internal abstract RowGroupBuffer<T> CreateBuffer(int capacity);

    internal abstract ValueTask<T[]> ReadRowGroupAsync(ParquetRowGroupReader reader, int rowCount, CancellationToken cancellationToken);
}

/// <summary>Column buffers for one row group of <typeparamref name="T"/>.</summary>
internal abstract class RowGroupBuffer<T> : IDisposable
{
    public int Count { get; protected set; }

    public abstract void Add(T row);

    public abstract Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken);

    /// <summary>Empties the buffer for the next row group; string references are dropped so they can be collected.</summary>
    public abstract void Clear();

    /// <summary>Gives back pooled memory, when the buffer holds any.</summary>
    public virtual void Dispose()
    {
    }
}
