using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Loading;

/// <summary>
/// The records of one part, read a row group at a time as far as the vectors being loaded need them. The
/// embed stage writes vectors in record order, so normally one row group of records is held, not the whole
/// part (50,000 records by default, which lived long enough for every part to land in the GC's oldest
/// generation). Records passed on the way (rejected at embed, or a file in another order) wait in the map
/// until their vector comes, so any order still joins.
/// </summary>
internal sealed class PartRecords : IAsyncDisposable
{
    private readonly PartFileReader<StagedRecord>? _reader;
    private readonly Dictionary<string, StagedRecord> _waiting = new(StringComparer.Ordinal);
    // Later rows of a memory id already waiting (extract rejects repeated keys, so only a hand-edited file has them).
    private readonly Dictionary<string, Queue<StagedRecord>> _repeats = new(StringComparer.Ordinal);
    private int _nextGroup;

    private PartRecords(PartFileReader<StagedRecord>? reader) => _reader = reader;

    /// <summary>Opens the part's records file; a part without one finds no records.</summary>
    public static async Task<PartRecords> OpenAsync(SnapshotStore snapshot, PartEntry part, CancellationToken cancellationToken)
        => part.Files.Records is { } file
            ? new PartRecords(await PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, snapshot.FullPath(file.Path), snapshot.MigrationId, cancellationToken))
            : new PartRecords(null);

    /// <summary>
    /// The record of <paramref name="memoryId"/>, or null when the rest of the file does not have it. Each row is
    /// handed out once, in file order, so vectors of a memory id that the records file repeats (which validate
    /// reports) join with its rows in turn.
    /// </summary>
    public async ValueTask<StagedRecord?> FindAsync(string memoryId, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_waiting.Remove(memoryId, out var record))
            {
                if (_repeats.TryGetValue(memoryId, out var later))
                {
                    _waiting[memoryId] = later.Dequeue();
                    if (later.Count == 0)
                    {
                        _repeats.Remove(memoryId);
                    }
                }

                return record;
            }

            if (_reader is null || _nextGroup >= _reader.RowGroupCount)
            {
                return null;
            }

            foreach (var row in await _reader.ReadRowGroupAsync(_nextGroup++, cancellationToken))
            {
                if (!_waiting.TryAdd(row.MemoryId, row))
                {
                    if (!_repeats.TryGetValue(row.MemoryId, out var later))
                    {
                        _repeats[row.MemoryId] = later = new Queue<StagedRecord>();
                    }

                    later.Enqueue(row);
                }
            }
        }
    }

    public ValueTask DisposeAsync() => _reader?.DisposeAsync() ?? ValueTask.CompletedTask;
}
