using System.Collections.Concurrent;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Loading;

/// <summary>
/// Counts one part's batches in flight. The reader holds one reference while it produces batches and
/// each batch holds one until Engram answered it; whoever drops the last reference completes the part,
/// so a part is marked loaded exactly once, and only after every one of its records was answered.
/// </summary>
internal sealed class PartTracker(PartKey key, long embedded, ProgressJournal? journal)
{
    private int _references = 1;
    private long _loaded = journal?.AcknowledgedBefore ?? 0;

    public PartKey Key { get; } = key;

    public long Embedded { get; } = embedded;

    /// <summary>Records acknowledged, this run and the earlier runs the journal remembers.</summary>
    public long Loaded => Interlocked.Read(ref _loaded);

    /// <summary>The part's progress journal (null for a part without vectors).</summary>
    public ProgressJournal? Journal { get; } = journal;

    /// <summary>Rejects, this run's and the earlier runs' the journal remembers.</summary>
    public ConcurrentQueue<RejectRecord> Rejects { get; } = new(journal?.RejectsBefore ?? []);

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the part is marked Loaded in the manifest.</summary>
    public Task Done => _done.Task;

    public void MarkDone() => _done.TrySetResult();

    public void AddBatch() => Interlocked.Increment(ref _references);

    public void Acknowledged(int count) => Interlocked.Add(ref _loaded, count);

    /// <summary>Drops a reference; true when it was the last one and the part is complete.</summary>
    public bool Release() => Interlocked.Decrement(ref _references) == 0;
}

/// <summary>A batch of one part on its way to Engram: the writes, and the row positions (of the vectors file) it settles, with the rows rejected before sending.</summary>
internal sealed record PartBatch(PartTracker Part, IReadOnlyList<Engram.MemoryWrite> Writes, IReadOnlyList<long> Rows, IReadOnlyList<RejectRecord> Rejected);
