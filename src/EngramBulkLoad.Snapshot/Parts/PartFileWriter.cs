using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot.Manifest;
using Parquet;

namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>
/// Streams rows into one Parquet part file, one row group at a time, so memory stays flat whatever
/// the part's size. The file is written as <c>NAME.tmp</c> and renamed only by <see cref="CompleteAsync"/>:
/// a reader never sees a half-written part, and disposing without completing deletes it.
/// </summary>
/// <typeparam name="T">The row type of the codec.</typeparam>
public sealed class PartFileWriter<T> : IAsyncDisposable
{
    /// <summary>
    /// About how much column data a row group holds at most. Parquet.Net buffers a whole column chunk
    /// to write it and again to read it; chunks of several MiB outgrow its memory pool and land on the
    /// large object heap, which is not compacted, so a long run's memory kept growing (1M-record pipeline:
    /// 1.2 GiB peak with 12 MiB vector chunks, 0.34 GiB with this budget; see benchmarks/RESULTS.md).
    /// Snappy compresses 64 KiB blocks either way: the files grew by under 1.5 %.
    /// </summary>
    public const int RowGroupBytes = 1 << 20;

    private readonly PartCodec<T> _codec;
    private readonly string _path;
    private readonly string _tempPath;
    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private readonly RowGroupBuffer<T> _buffer;
    private long _rows;
    private bool _completed;
    private bool _disposed;

    private PartFileWriter(PartCodec<T> codec, string path, string tempPath, FileStream stream, ParquetWriter writer)
    {
        _codec = codec;
        _path = path;
        _tempPath = tempPath;
        _stream = stream;
        _writer = writer;
        _buffer = codec.CreateBuffer(codec.RowGroupSize);
    }

    /// <summary>Rows written so far.</summary>
    public long RowCount => _rows;

    /// <summary>The final path of the part (it exists only after <see cref="CompleteAsync"/>).</summary>
    public string Path => _path;

    /// <summary>Opens <c>path.tmp</c> for writing; the folder is created if missing.</summary>
    public static async Task<PartFileWriter<T>> CreateAsync(PartCodec<T> codec, string path, string migrationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var tempPath = path + ".tmp";
        var stream = new FileStream(tempPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 20, FileOptions.Asynchronous);
        try
        {
            var writer = await ParquetWriter.CreateAsync(codec.Schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, append: false, cancellationToken);
            writer.CustomMetadata = new Dictionary<string, string>
            {
                [SnapshotFormat.KindKey] = codec.Kind.Name(),
                [SnapshotFormat.VersionKey] = SnapshotFormat.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [SnapshotFormat.MigrationKey] = migrationId,
            };
            return new PartFileWriter<T>(codec, path, tempPath, stream, writer);
        }
        catch
        {
            await stream.DisposeAsync();
            File.Delete(tempPath);
            throw;
        }
    }

    /// <summary>Adds one row; a full row group is written out before this returns.</summary>
    public async ValueTask WriteAsync(T row, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        _buffer.Add(row);
        _rows++;
        if (_buffer.Count == _codec.RowGroupSize || _buffer.Bytes >= RowGroupBytes)
        {
            await FlushRowGroupAsync(cancellationToken);
        }
    }

    /// <summary>Writes the last row group and the footer, syncs the file to disk and renames it into place.</summary>
    /// <returns>The completed file's row count and size.</returns>
    public async Task<PartFile> CompleteAsync(string relativePath, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        if (_buffer.Count > 0)
        {
            await FlushRowGroupAsync(cancellationToken);
        }

        _buffer.Dispose();
        await _writer.DisposeAsync();
        await _stream.FlushAsync(cancellationToken);
        _stream.Flush(flushToDisk: true);
        var bytes = _stream.Length;
        await _stream.DisposeAsync();
        File.Move(_tempPath, _path, overwrite: true);
        _completed = true;
        return new PartFile { Path = relativePath, Rows = _rows, Bytes = bytes };
    }

    /// <summary>Without a prior <see cref="CompleteAsync"/>, abandons the part and deletes its temporary file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _buffer.Dispose();
        if (!_completed)
        {
            try
            {
                await _writer.DisposeAsync();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
            {
                // The part is being abandoned; a footer that cannot be written no longer matters.
            }

            await _stream.DisposeAsync();
            File.Delete(_tempPath);
        }
    }

    private async Task FlushRowGroupAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var rowGroup = _writer.CreateRowGroup();
            await _buffer.WriteAsync(rowGroup, cancellationToken);
        }
        catch (IOException ex)
        {
            throw ErrorFactory.Snapshot(_tempPath, $"could not write a row group: {ex.Message} Check free disk space and permissions.", ex);
        }

        _buffer.Clear();
    }
}
