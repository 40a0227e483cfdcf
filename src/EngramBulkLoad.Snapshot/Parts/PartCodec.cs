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

    /// <summary>
    /// Most rows per row group: the unit a writer buffers and a reader decodes at a time. A writer also
    /// ends a row group at <see cref="PartFileWriter{T}.RowGroupBytes"/>, whichever comes first.
    /// </summary>
    public abstract int RowGroupSize { get; }

    internal abstract ParquetSchema Schema { get; }

    internal abstract RowGroupBuffer<T> CreateBuffer(int capacity);

    internal abstract ValueTask<T[]> ReadRowGroupAsync(ParquetRowGroupReader reader, int rowCount, CancellationToken cancellationToken);
}

/// <summary>Column buffers for one row group of <typeparamref name="T"/>.</summary>
internal abstract class RowGroupBuffer<T> : IDisposable
{
    public int Count { get; private set; }

    /// <summary>About how many bytes of column data the buffer holds (a character counts as one byte: Parquet stores UTF-8).</summary>
    public long Bytes { get; private set; }

    public void Add(T row)
    {
        Bytes += Store(Count, row);
        Count++;
    }

    public abstract Task WriteAsync(ParquetRowGroupWriter writer, CancellationToken cancellationToken);

    /// <summary>Empties the buffer for the next row group; string references are dropped so they can be collected.</summary>
    public void Clear()
    {
        ClearRows(Count);
        Count = 0;
        Bytes = 0;
    }

    /// <summary>Puts the row in the columns at <paramref name="index"/>; returns about how many bytes it adds.</summary>
    protected abstract long Store(int index, T row);

    /// <summary>Drops the references the first <paramref name="count"/> rows hold.</summary>
    protected abstract void ClearRows(int count);

    /// <summary>Gives back pooled memory, when the buffer holds any.</summary>
    public virtual void Dispose()
    {
    }
}
