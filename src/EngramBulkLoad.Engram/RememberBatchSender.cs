using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Records;
using Grpc.Core;
using Polly;

namespace EngramBulkLoad.Engram;

/// <summary>
/// Sends one batch over StreamingRemember. Engram answers each request in order and ends the whole
/// stream with an error status at the first record it refuses, so: a record counts as stored only when
/// its response arrived; after a transient failure the batch resumes after the last acknowledged record
/// (with backoff, a bounded number of times); after a record failure, the record at the front is sent
/// alone with a unary Remember to learn its own error, rejected with Engram's message if refused, and
/// the stream resumes after it.
/// </summary>
internal sealed class RememberBatchSender(EngramService.EngramServiceClient[] clients, EngramOptions options, ResiliencePipeline retry, TimeProvider time)
{
    private long _isolations;
    private int _nextClient;

    public long Isolations => Interlocked.Read(ref _isolations);

    public async Task<BatchResult> SendAsync(IReadOnlyList<MemoryWrite> batch, CancellationToken cancellationToken)
    {
        var state = new BatchState(batch);
        while (state.Next < batch.Count)
        {
            try
            {
                await retry.ExecuteAsync(static (s, token) => s.Sender.StreamOnceAsync(s.State, token), (Sender: this, State: state), cancellationToken);
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (RpcException ex) when (StatusClassifier.Classify(ex) == FailureKind.Record)
            {
                await IsolateAsync(state, cancellationToken);
            }
            catch (RpcException ex)
            {
                throw EngramErrors.FromRpc("StreamingRemember", options, ex, $"batch of {batch.Count} starting at {batch[0].MemoryId}, {state.Next} acknowledged");
            }
        }

        return new BatchResult(state.Acknowledged, state.Rejects, state.Streams);
    }

    private async ValueTask StreamOnceAsync(BatchState state, CancellationToken cancellationToken)
    {
        state.Streams++;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var client = clients[(int)((uint)Interlocked.Increment(ref _nextClient) % (uint)clients.Length)];
        using var call = client.StreamingRemember(deadline: Deadline(), cancellationToken: linked.Token);
        var writer = WriteAsync(call.RequestStream, state.Batch, state.Next, linked.Token);
        try
        {
            while (await call.ResponseStream.MoveNext(linked.Token))
            {
                var response = call.ResponseStream.Current;
                if (state.Next >= state.Batch.Count)
                {
                    throw EngramErrors.Protocol(options, $"it sent more acknowledgements than the {state.Batch.Count} records of the batch.");
                }

                var expected = state.Batch[state.Next].MemoryId;
                if (!string.Equals(response.MemoryId, expected, StringComparison.Ordinal))
                {
                    throw EngramErrors.Protocol(options, $"acknowledgement {state.Next} names memory '{response.MemoryId}', expected '{expected}' (responses must come in request order).");
                }

                state.Next++;
                state.Acknowledged++;
            }
        }
        catch
        {
            // Stop the writer (it may be blocked on flow control) and keep the reader's error, which carries Engram's status.
            await linked.CancelAsync();
            await writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        await writer;
        if (state.Next < state.Batch.Count)
        {
            // The server closed the stream cleanly without answering everything: treat as a dropped connection.
            throw new RpcException(new Status(StatusCode.Unavailable, $"the stream ended after {state.Next} of {state.Batch.Count} acknowledgements without an error status"));
        }
    }

    private static async Task WriteAsync(IClientStreamWriter<RememberRequest> stream, IReadOnlyList<MemoryWrite> batch, int start, CancellationToken cancellationToken)
    {
        for (var i = start; i < batch.Count; i++)
        {
            await stream.WriteAsync(batch[i].Request, cancellationToken);
        }

        await stream.CompleteAsync();
    }

    private async Task IsolateAsync(BatchState state, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _isolations);
        var write = state.Batch[state.Next];
        try
        {
            await retry.ExecuteAsync(
                async (w, token) => await clients[0].RememberAsync(w.Request, deadline: Deadline(), cancellationToken: token),
                write,
                cancellationToken);
            state.Acknowledged++;
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (RpcException ex) when (StatusClassifier.Classify(ex) == FailureKind.Record)
        {
            state.Rejects.Add(write.Reject(RejectCodes.EngramRejected, $"Engram refused the record ({ex.StatusCode}): {ex.Status.Detail}"));
        }
        catch (RpcException ex)
        {
            throw EngramErrors.FromRpc("Remember", options, ex, $"isolating record {write.MemoryId}");
        }

        state.Next++;
    }

    private DateTime Deadline() => time.GetUtcNow().UtcDateTime + options.CallTimeout;

    private sealed class BatchState(IReadOnlyList<MemoryWrite> batch)
    {
        public IReadOnlyList<MemoryWrite> Batch { get; } = batch;

        public int Next { get; set; }

        public int Acknowledged { get; set; }

        public int Streams { get; set; }

        public List<RejectRecord> Rejects { get; } = [];
    }
}
