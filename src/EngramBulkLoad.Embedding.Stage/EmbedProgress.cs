namespace EngramBulkLoad.Embedding.Stage;

/// <summary>Live counters of the embed stage; updated with Interlocked, read from any thread.</summary>
public sealed class EmbedProgress
{
    private long _records;
    private long _embedded;
    private long _reused;
    private long _rejected;
    private long _tokens;
    private long _parts;
    private long _estimate;

    /// <summary>Records finished in this run (embedded, reused or rejected).</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Records sent to the embedder in this run.</summary>
    public long Embedded => Interlocked.Read(ref _embedded);

    /// <summary>Records whose vector was reused (same content hash and model).</summary>
    public long Reused => Interlocked.Read(ref _reused);

    /// <summary>Records rejected at embed in this run.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Tokens the model saw in this run.</summary>
    public long Tokens => Interlocked.Read(ref _tokens);

    /// <summary>Parts embedded in this run.</summary>
    public long Parts => Interlocked.Read(ref _parts);

    /// <summary>Records known to be waiting for this stage (grows as extraction commits parts).</summary>
    public long EstimatedTotal => Interlocked.Read(ref _estimate);

    /// <summary>Adds records to the stage's expected total (a part queued for embedding).</summary>
    public void Expect(long records) => Interlocked.Add(ref _estimate, records);

    internal void AddEmbedded(int count, long tokens)
    {
        Interlocked.Add(ref _embedded, count);
        Interlocked.Add(ref _records, count);
        Interlocked.Add(ref _tokens, tokens);
    }

    internal void AddReused(int count)
    {
        Interlocked.Add(ref _reused, count);
        Interlocked.Add(ref _records, count);
    }

    internal void AddRejected(int count)
    {
        Interlocked.Add(ref _rejected, count);
        Interlocked.Add(ref _records, count);
    }

    internal void PartDone() => Interlocked.Increment(ref _parts);
}
