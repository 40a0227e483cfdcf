using System.Globalization;
using System.Runtime.CompilerServices;
using EngramBulkLoad.Errors;
using Parquet;

namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>
/// Reads one Parquet part file row group by row group. Opening checks that the file is whole, was
/// written by this tool for the expected part kind and a format version this build understands,
/// and has every expected column; anything else is refused with a message that names the file.
/// </summary>
/// <typeparam name="T">The row type of the codec.</typeparam>
public sealed class PartFileReader<T> : IAsyncDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    private readonly PartCodec<T> _codec;
    private readonly string _path;
    private readonly ParquetReader _reader;

    private PartFileReader(PartCodec<T> codec, string path, ParquetReader reader, string migrationId)
    {
        _codec = codec;
        _path = path;
        _reader = reader;
        MigrationId = migrationId;
        RowCount = reader.RowGroups.Sum(group => group.RowCount);
    }

    /// <summary>Rows in the file, from its footer.</summary>
    public long RowCount { get; }

    /// <summary>The migration the part was written for.</summary>
    public string MigrationId { get; }

    /// <summary>Opens and validates a part file.</summary>
    /// <param name="codec">The kind of part expected.</param>
    /// <param name="path">The file to open.</param>
    /// <param name="expectedMigrationId">When given, a part of another migration is refused.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async Task<PartFileReader<T>> OpenAsync(PartCodec<T> codec, string path, string? expectedMigrationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var expected = codec.Kind.Name();
        if (!File.Exists(path))
        {
            throw ErrorFactory.Snapshot(path, $"the {expected} part file does not exist. The snapshot is incomplete. {PartFileCheck.RedoAdvice(PartFileCheck.OwnerOf(path))}");
        }

        await CheckMagicAsync(path, expected, cancellationToken);

        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path, new ParquetOptions(), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or InvalidOperationException or NotSupportedException or IndexOutOfRangeException or OverflowException)
        {
            throw ErrorFactory.Snapshot(path, $"the Parquet footer cannot be read ({ex.Message}). The file is corrupt. {PartFileCheck.RedoAdvice(PartFileCheck.OwnerOf(path))}", ex);
        }

        try
        {
            var migration = Validate(reader, path, expected, expectedMigrationId, codec);
            return new PartFileReader<T>(codec, path, reader, migration);
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    /// <summary>Yields every row, decoding one row group at a time.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var group = 0; group < _reader.RowGroupCount; group++)
        {
            foreach (var row in await ReadRowGroupAsync(group, cancellationToken))
            {
                yield return row;
            }
        }
    }

    /// <summary>Decodes one row group.</summary>
    public Task<T[]> ReadRowGroupAsync(int index, CancellationToken cancellationToken)
        => DecodeAsync(index, $"row group {index}", (groupReader, rows) => _codec.ReadRowGroupAsync(groupReader, rows, cancellationToken));

    /// <summary>
    /// One string column of one row group, e.g. the memory ids of a vectors part without its vectors
    /// (a vectors row group is up to 1 MiB of floats and a few KiB of ids). The column must be one of the
    /// codec's; the file's schema was checked against it when opened.
    /// </summary>
    public Task<string?[]> ReadStringColumnAsync(int index, string column, CancellationToken cancellationToken)
    {
        var field = _codec.Schema.GetDataFields().FirstOrDefault(f => f.Name == column && TypeName(f.ClrType) == "string")
            ?? throw new ArgumentException($"'{column}' is not a string column of {_codec.Kind.Name()} parts.", nameof(column));
        return DecodeAsync(index, $"column {column} of row group {index}", (groupReader, rows) => ColumnIO.ReadStringsAsync(groupReader, field, rows, cancellationToken));
    }

    /// <summary>Opens row group <paramref name="index"/> and decodes what <paramref name="decode"/> reads of it; a decoding failure names the file as corrupt.</summary>
    private async Task<TResult> DecodeAsync<TResult>(int index, string what, Func<ParquetRowGroupReader, int, ValueTask<TResult>> decode)
    {
        try
        {
            using var groupReader = _reader.OpenRowGroupReader(index);
            return await decode(groupReader, checked((int)groupReader.RowCount));
        }
        // Out of memory is the process's trouble, not the file's: calling that file corrupt would have it deleted.
        catch (Exception ex) when (ex is not OperationCanceledException and not SnapshotException and not OutOfMemoryException)
        {
            throw ErrorFactory.Snapshot(_path, $"{what} cannot be decoded ({ex.Message}). The file is corrupt. {PartFileCheck.RedoAdvice(PartFileCheck.OwnerOf(_path))}", ex);
        }
    }

    /// <summary>The file's columns and their CLR types, as its footer states them.</summary>
    public IReadOnlyList<(string Name, string Type, bool Nullable)> Columns
        => _reader.Schema.GetDataFields().Select(column => (column.Name, TypeName(column.ClrType), column.IsNullable)).ToList();

    // Parquet.Net 6 reports UTF-8 columns as ReadOnlyMemory<char>; people read them as strings.
    private static string TypeName(Type type)
        => type == typeof(ReadOnlyMemory<char>) || type == typeof(string) ? "string"
            : type == typeof(ReadOnlyMemory<byte>) || type == typeof(byte[]) ? "bytes"
            : (Nullable.GetUnderlyingType(type) ?? type).Name;

    /// <summary>Number of row groups in the file.</summary>
    public int RowGroupCount => _reader.RowGroupCount;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _reader.DisposeAsync();

    private static async Task CheckMagicAsync(string path, string expected, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
        if (stream.Length < 12)
        {
            throw ErrorFactory.Snapshot(path, $"the file is {stream.Length} bytes, too short to be a Parquet {expected} part. It is truncated. {PartFileCheck.RedoAdvice(PartFileCheck.OwnerOf(path))}");
        }

        var head = new byte[4];
        var tail = new byte[4];
        await stream.ReadExactlyAsync(head, cancellationToken);
        stream.Seek(-4, SeekOrigin.End);
        await stream.ReadExactlyAsync(tail, cancellationToken);
        if (!head.AsSpan().SequenceEqual(Magic))
        {
            throw ErrorFactory.Snapshot(path, $"the file does not start with the Parquet marker PAR1: it is not a Parquet file. Expected a {expected} part written by engram-bulkload.");
        }

        if (!tail.AsSpan().SequenceEqual(Magic))
        {
            throw ErrorFactory.Snapshot(path, $"the file does not end with the Parquet marker PAR1: it is truncated (a write was interrupted). {PartFileCheck.RedoAdvice(PartFileCheck.OwnerOf(path))}");
        }
    }

    private static string Validate(ParquetReader reader, string path, string expected, string? expectedMigrationId, PartCodec<T> codec)
    {
        var metadata = reader.CustomMetadata ?? [];
        if (!metadata.TryGetValue(SnapshotFormat.KindKey, out var kind))
        {
            throw ErrorFactory.Snapshot(path, $"the file is Parquet but was not written by engram-bulkload (no '{SnapshotFormat.KindKey}' metadata). Expected a {expected} part; foreign files cannot be mixed into a snapshot.");
        }

        if (!string.Equals(kind, expected, StringComparison.Ordinal))
        {
            throw ErrorFactory.Snapshot(path, $"the file holds {kind}, expected {expected}. A part file was moved or renamed into the wrong folder.");
        }

        if (!metadata.TryGetValue(SnapshotFormat.VersionKey, out var versionText)
            || !int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw ErrorFactory.Snapshot(path, $"the file has no readable format version ('{SnapshotFormat.VersionKey}').");
        }

        if (version > SnapshotFormat.Version)
        {
            throw ErrorFactory.Snapshot(path, $"the file is snapshot format {version}; this build reads up to format {SnapshotFormat.Version}. Use a newer engram-bulkload.");
        }

        metadata.TryGetValue(SnapshotFormat.MigrationKey, out var migration);
        migration ??= string.Empty;
        if (expectedMigrationId is not null && !string.Equals(migration, expectedMigrationId, StringComparison.Ordinal))
        {
            throw ErrorFactory.Snapshot(path, $"the file belongs to migration '{migration}', but this snapshot is migration '{expectedMigrationId}'. Parts of different migrations cannot be mixed.");
        }

        var actual = reader.Schema.GetDataFields().ToDictionary(field => field.Name, StringComparer.Ordinal);
        foreach (var field in codec.Schema.GetDataFields())
        {
            if (!actual.TryGetValue(field.Name, out var found))
            {
                throw ErrorFactory.Snapshot(path, $"the {expected} part has no column '{field.Name}'. The file does not follow snapshot format {version}.");
            }

            if (found.ClrType != field.ClrType)
            {
                throw ErrorFactory.Snapshot(path, $"column '{field.Name}' is {found.ClrType.Name}, expected {field.ClrType.Name}. The file does not follow snapshot format {version}.");
            }
        }

        return migration;
    }
}
