using EngramBulkLoad.Embedding.Service.Tokenization;

namespace EngramBulkLoad.Embedding.Service.Batching;

/// <summary>The result of one text: vector, tokens seen, whether it was cut.</summary>
internal readonly record struct EmbeddedText(float[] Vector, int TokenCount, bool Truncated);

/// <summary>
/// One caller's request inside the batcher. Its texts travel through batches independently; each result
/// is written at the text's own index, so the caller gets them in its order whatever the batches were.
/// </summary>
internal sealed class PendingRequest
{
    private readonly EmbeddedText[] _results;
    private readonly TaskCompletionSource<EmbeddedText[]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;

    public PendingRequest(IReadOnlyList<TokenizedText> texts, CancellationToken cancellationToken)
    {
        Texts = texts;
        _results = new EmbeddedText[texts.Count];
        _remaining = texts.Count;
        CancellationToken = cancellationToken;
        if (texts.Count == 0)
        {
            _completion.SetResult(_results);
        }
    }

    public IReadOnlyList<TokenizedText> Texts { get; }

    public CancellationToken CancellationToken { get; }

    public Task<EmbeddedText[]> Completion => _completion.Task;

    /// <summary>True when nobody waits for the result any more; its remaining texts are skipped.</summary>
    public bool IsAbandoned => _completion.Task.IsCompleted || CancellationToken.IsCancellationRequested;

    public void Complete(int index, float[] vector)
    {
        var text = Texts[index];
        _results[index] = new EmbeddedText(vector, text.Ids.Length, text.Truncated);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _completion.TrySetResult(_results);
        }
    }

    public void Fail(Exception exception) => _completion.TrySetException(exception);

    public void Cancel() => _completion.TrySetCanceled(CancellationToken);
}

/// <summary>One text of a request, as queued.</summary>
internal readonly record struct WorkItem(PendingRequest Request, int Index)
{
    public int[] Ids => Request.Texts[Index].Ids;
}
