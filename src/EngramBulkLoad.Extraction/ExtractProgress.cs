namespace EngramBulkLoad.Extraction;

/// <summary>
/// Live counters of the extract stage, read by whatever displays progress. Updated with Interlocked by
/// the stage; read at any time from another thread.
/// </summary>
public sealed class ExtractProgress
{
    private long _rows;
    private long _bytes;
    private long _estimate = -1;
    private string _current = string.Empty;

    /// <summary>Rows read in this run, over every collection.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    /// <summary>Content bytes staged in this run.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Estimated rows of the current collection still to come in this run, when the source can tell; else null.</summary>
    public long? EstimatedTotal => Interlocked.Read(ref _estimate) is var e && e >= 0 ? e : null;

    /// <summary>"source/collection" being extracted now.</summary>
    public string Current => Volatile.Read(ref _current);

    internal void Start(string source, string collection, long? estimate)
    {
        Volatile.Write(ref _current, $"{source}/{collection}");
        Interlocked.Exchange(ref _estimate, estimate is { } e ? Rows + e : -1);
    }

    internal void Add(long rows, long bytes)
    {
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _bytes, bytes);
    }
}
