using EngramBulkLoad.Embedding.Service.Admission;
using EngramBulkLoad.Embedding.Service.Tokenization;

namespace EngramBulkLoad.Embedding.Service.Batching;

/// <summary>The result of one text: vector, tokens seen, whether it was cut.</summary>
internal readonly record struct EmbeddedText(float[] Vector, int TokenCount, bool Truncated);

/// <summary>
/// One caller's admitted request inside the batcher. Its texts may run in several batches; each result is
/// written at the text's own index, so the caller gets them in its order whatever the batches were. Only
/// the batcher's worker schedules and completes texts; cancellation may come from any thread.
/// </summary>
internal sealed class PendingRequest
{
    private readonly EmbeddedText[] _results;
    private readonly bool[] _scheduled;
    private readonly TaskCompletionSource<EmbeddedText[]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;
    private int _nextUnscheduled;

    public PendingRequest(IReadOnlyList<TokenizedText> texts, AdmissionControl.Reservation reservation, long sequence, CancellationToken cancellationToken)
    {
        Texts = texts;
        Reservation = reservation;
        Sequence = sequence;
        _results = new EmbeddedText[texts.Count];
        _scheduled = new bool[texts.Count];
        _remaining = texts.Count;
        foreach (var text in texts)
        {
            UnscheduledTokens += text.Ids.Length;
        }

        CancellationToken = cancellationToken;
        if (texts.Count == 0)
        {
            reservation.Release();
            _completion.SetResult(_results);
        }
    }

    public IReadOnlyList<TokenizedText> Texts { get; }

    public AdmissionControl.Reservation Reservation { get; }

    /// <summary>The request's deadline; the batcher serves earliest first and drops a request once it has passed.</summary>
    public DateTimeOffset Deadline => Reservation.Deadline;

    /// <summary>Arrival order, to break ties between equal deadlines.</summary>
    public long Sequence { get; }

    public CancellationToken CancellationToken { get; }

    public Task<EmbeddedText[]> Completion => _completion.Task;

    /// <summary>Texts whose vectors were computed; wasted when the request then fails or expires.</summary>
    public int Computed { get; private set; }

    /// <summary>Tokens of the texts not yet given to a batch.</summary>
    public long UnscheduledTokens { get; private set; }

    /// <summary>True when nobody waits for the result any more; its remaining texts are skipped.</summary>
    public bool IsAbandoned => _completion.Task.IsCompleted || CancellationToken.IsCancellationRequested;

    /// <summary>Indexes of texts not yet given to a batch, in order.</summary>
    public IEnumerable<int> Unscheduled()
    {
        for (var i = _nextUnscheduled; i < _scheduled.Length; i++)
        {
            if (!_scheduled[i])
            {
                yield return i;
            }
        }
    }

    public void MarkScheduled(int index)
    {
        _scheduled[index] = true;
        UnscheduledTokens -= Texts[index].Ids.Length;
        while (_nextUnscheduled < _scheduled.Length && _scheduled[_nextUnscheduled])
        {
            _nextUnscheduled++;
        }
    }

    public void Complete(int index, float[] vector)
    {
        var text = Texts[index];
        _results[index] = new EmbeddedText(vector, text.Ids.Length, text.Truncated);
        Computed++;
        if (--_remaining == 0)
        {
            Reservation.Release();
            _completion.TrySetResult(_results);
        }
    }

    // The capacity is released before the caller can see the outcome, so the metrics never lag behind an answer.
    public void Fail(Exception exception)
    {
        Reservation.Release();
        _completion.TrySetException(exception);
    }

    public void Cancel()
    {
        Reservation.Release();
        _completion.TrySetCanceled(CancellationToken);
    }
}

/// <summary>One text of a request, as offered to the batch planner.</summary>
internal readonly record struct WorkItem(PendingRequest Request, int Index)
{
    public int[] Ids => Request.Texts[Index].Ids;
}
