using System.Collections;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Loading;

/// <summary>
/// What Engram has answered for one part, saved in small steps while the part is being loaded, so that a
/// killed run sends again only what was in flight (ack-then-commit: an entry is written after Engram answered,
/// never before). One JSON Lines file per part and phase, <c>progress/{load|associate}/SOURCE/COLLECTION/part-NNNNN.jsonl</c>:
/// a header naming the file it tracks (path, rows, bytes), then one line per save with the row positions
/// answered, how many Engram acknowledged, and the rejects among them. Each save is one write and an fsync;
/// a line a kill cut short is ignored. Concurrent callers share saves (group commit): <see cref="CommitAsync"/>
/// returns once the caller's entry is on disk, so the rows answered but not yet saved are never more than the
/// calls in flight. The file is deleted once the part's outcome is in the manifest.
/// </summary>
internal sealed class ProgressJournal : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly FileStream _stream;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly Lock _pendingLock = new();
    private List<JournalEntry> _pending = [];
    private long _enqueued;
    private long _saved;

    private ProgressJournal(FileStream stream, BitArray done, long acknowledged, long remapped, List<RejectRecord> rejects)
    {
        _stream = stream;
        Done = done;
        AcknowledgedBefore = acknowledged;
        RemappedBefore = remapped;
        RejectsBefore = rejects;
    }

    /// <summary>Row positions of the tracked file that Engram answered in earlier runs.</summary>
    public BitArray Done { get; }

    /// <summary>Records or associations Engram acknowledged in earlier runs.</summary>
    public long AcknowledgedBefore { get; }

    /// <summary>Of <see cref="AcknowledgedBefore"/>, the associations sent to the memory held in place of a merged end.</summary>
    public long RemappedBefore { get; }

    /// <summary>Rejects saved by earlier runs.</summary>
    public List<RejectRecord> RejectsBefore { get; }

    /// <summary>The folder of every journal, relative to the snapshot folder.</summary>
    public const string Root = "progress";

    /// <summary>The journal's path for a part and phase, relative to the snapshot folder.</summary>
    public static string RelativePath(string phase, PartKey part)
        => $"{Root}/{phase}/{part.Source}/{SnapshotLayout.Slug(part.Collection)}/part-{part.Index:D5}.jsonl";

    /// <summary>Opens the part's journal, reading what earlier runs saved; a journal of another file (re-extracted or re-embedded since) is discarded.</summary>
    public static async Task<ProgressJournal> OpenAsync(SnapshotStore snapshot, string phase, PartKey part, PartFile tracked, CancellationToken cancellationToken)
    {
        var path = snapshot.FullPath(RelativePath(phase, part));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var header = new JournalHeader(1, tracked.Path, tracked.Rows, tracked.Bytes);
        var done = new BitArray(checked((int)tracked.Rows));
        long acknowledged = 0;
        long remapped = 0;
        var rejects = new List<RejectRecord>();
        var valid = false;
        if (File.Exists(path))
        {
            var lines = await File.ReadAllLinesAsync(path, cancellationToken);
            if (lines.Length > 0 && TryParse<JournalHeader>(lines[0]) == header)
            {
                valid = true;
                foreach (var line in lines.Skip(1))
                {
                    if (TryParse<JournalEntry>(line) is not { } entry)
                    {
                        // A line a kill cut short: its rows were never confirmed to anyone, so they are sent again.
                        continue;
                    }

                    foreach (var range in entry.Rows)
                    {
                        for (var row = range[0]; row <= range[1]; row++)
                        {
                            done[(int)row] = true;
                        }
                    }

                    acknowledged += entry.Acknowledged;
                    remapped += entry.Remapped;
                    rejects.AddRange(entry.Rejects ?? []);
                }
            }
        }

        var stream = new FileStream(path, valid ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 14, FileOptions.Asynchronous);
        var journal = new ProgressJournal(stream, done, acknowledged, remapped, rejects);
        if (!valid)
        {
            await journal.WriteLineAsync(JsonSerializer.Serialize(header, Json), cancellationToken);
        }

        return journal;
    }

    /// <summary>Deletes the part's journals of both phases (when a rollback resets it).</summary>
    public static void Delete(SnapshotStore snapshot, PartKey part)
    {
        Delete(snapshot, Phases.Load, part);
        Delete(snapshot, Phases.Associate, part);
    }

    /// <summary>Deletes the part's journal of one phase (once that phase's outcome is in the manifest).</summary>
    public static void Delete(SnapshotStore snapshot, string phase, PartKey part)
    {
        var path = snapshot.FullPath(RelativePath(phase, part));
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Deletes journals a kill left behind after the manifest had recorded their phase's outcome.</summary>
    public static void DeleteSettled(SnapshotStore snapshot, SnapshotManifest manifest)
    {
        foreach (var part in manifest.Parts)
        {
            if (part.State == PartState.Loaded)
            {
                Delete(snapshot, Phases.Load, PartKey.Of(part));
            }

            if (part.Counts.Associations is not null)
            {
                Delete(snapshot, Phases.Associate, PartKey.Of(part));
            }
        }
    }

    /// <summary>Saves that Engram answered these rows; returns once the entry is on disk (possibly written together with others).</summary>
    public async Task CommitAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        long ticket;
        lock (_pendingLock)
        {
            _pending.Add(entry);
            ticket = ++_enqueued;
        }

        await _write.WaitAsync(cancellationToken);
        try
        {
            if (Interlocked.Read(ref _saved) >= ticket)
            {
                return;
            }

            List<JournalEntry> batch;
            long upTo;
            lock (_pendingLock)
            {
                batch = _pending;
                _pending = [];
                upTo = _enqueued;
            }

            await WriteLineAsync(JsonSerializer.Serialize(JournalEntry.Merge(batch), Json), cancellationToken);
            Interlocked.Exchange(ref _saved, upTo);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _write.Dispose();
    }

    private async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        // Not cancellable once started: a half-written line would only be skipped, but there is no reason to make one.
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), CancellationToken.None);
        await _stream.FlushAsync(CancellationToken.None);
        _stream.Flush(flushToDisk: true);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static T? TryParse<T>(string line)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(line, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The phases that keep a journal.</summary>
    public static class Phases
    {
        public const string Load = "load";
        public const string Associate = "associate";
    }

    private sealed record JournalHeader(int Version, string File, long Rows, long Bytes);
}

/// <summary>
/// One save: row positions (inclusive ranges), how many of them Engram acknowledged, the rejects among them, and of
/// the acknowledged the associations remapped to the memory held in place of a merged end (0 in older journals).
/// </summary>
internal sealed record JournalEntry(IReadOnlyList<long[]> Rows, long Acknowledged, IReadOnlyList<RejectRecord>? Rejects, long Remapped = 0)
{
    /// <summary>An entry for one row.</summary>
    public static JournalEntry ForRow(long row, bool acknowledged, RejectRecord? reject, bool remapped = false)
        => new([[row, row]], acknowledged ? 1 : 0, reject is null ? null : [reject], remapped ? 1 : 0);

    /// <summary>An entry for a set of rows (in any order).</summary>
    public static JournalEntry ForRows(IEnumerable<long> rows, long acknowledged, IReadOnlyList<RejectRecord> rejects)
        => new(Ranges(rows), acknowledged, rejects.Count == 0 ? null : rejects);

    /// <summary>Several entries as one line.</summary>
    public static JournalEntry Merge(IReadOnlyList<JournalEntry> entries)
        => entries.Count == 1
            ? entries[0]
            : new(Ranges(entries.SelectMany(entry => entry.Rows).SelectMany(range => Enumerate(range[0], range[1]))), entries.Sum(entry => entry.Acknowledged), [.. entries.SelectMany(entry => entry.Rejects ?? [])], entries.Sum(entry => entry.Remapped));

    private static IEnumerable<long> Enumerate(long first, long last)
    {
        for (var row = first; row <= last; row++)
        {
            yield return row;
        }
    }

    private static List<long[]> Ranges(IEnumerable<long> rows)
    {
        var ranges = new List<long[]>();
        foreach (var row in rows.Order())
        {
            if (ranges.Count > 0 && ranges[^1][1] + 1 == row)
            {
                ranges[^1][1] = row;
            }
            else if (ranges.Count == 0 || ranges[^1][1] < row)
            {
                ranges.Add([row, row]);
            }
        }

        return ranges;
    }
}
