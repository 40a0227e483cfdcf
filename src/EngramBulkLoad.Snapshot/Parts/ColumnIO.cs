using Parquet;
using Parquet.Schema;

namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>Thin helpers over Parquet.Net's column API, so every codec reads and writes columns the same way.</summary>
internal static class ColumnIO
{
    public static Task WriteStringsAsync(ParquetRowGroupWriter writer, DataField field, string?[] values, int count)
        => writer.WriteAsync(field, new ArraySegment<string>(values!, 0, count), null);

    /// <summary>A required (non-nullable) string column from character slices, without a string per value.</summary>
    public static Task WriteTextAsync(ParquetRowGroupWriter writer, DataField field, ReadOnlyMemory<char>[] values, int count, CancellationToken cancellationToken)
        => writer.WriteAsync<ReadOnlyMemory<char>>(field, values.AsMemory(0, count), null, null, cancellationToken);

    public static Task WriteBytesAsync(ParquetRowGroupWriter writer, DataField field, byte[][] values, int count)
        => writer.WriteAsync(field, new ArraySegment<byte[]>(values, 0, count), null);

    public static Task WriteValuesAsync<T>(ParquetRowGroupWriter writer, DataField field, T[] values, int count, CancellationToken cancellationToken)
        where T : struct
        => writer.WriteAsync<T>(field, values.AsMemory(0, count), null, null, cancellationToken);

    public static async ValueTask<string?[]> ReadStringsAsync(ParquetRowGroupReader reader, DataField field, int count, CancellationToken cancellationToken)
    {
        var values = new string?[count];
        await reader.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    public static async ValueTask<byte[]?[]> ReadBytesAsync(ParquetRowGroupReader reader, DataField field, int count, CancellationToken cancellationToken)
    {
        var values = new byte[]?[count];
        await reader.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    public static async ValueTask<T[]> ReadValuesAsync<T>(ParquetRowGroupReader reader, DataField field, int count, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T[count];
        await reader.ReadAsync<T>(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    public static async ValueTask<T?[]> ReadNullableAsync<T>(ParquetRowGroupReader reader, DataField field, int count, CancellationToken cancellationToken)
        where T : struct
    {
        var values = new T?[count];
        await reader.ReadAsync<T>(field, values.AsMemory(), null, cancellationToken);
        return values;
    }
}
