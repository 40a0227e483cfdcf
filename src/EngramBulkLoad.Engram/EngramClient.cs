using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Errors;
using Grpc.Core;
using Grpc.Net.Client;
using Polly;

namespace EngramBulkLoad.Engram;

/// <summary>
/// The loader's connection to one Engram memory space: preflight, batched StreamingRemember with
/// isolation of refused records, Associate, Forget, Recall and pressure. Every call carries a deadline, is
/// retried on transient failures with backoff and jitter, and fails with an <see cref="EngramException"/>
/// that says what to do when it cannot succeed. Safe for concurrent use.
/// </summary>
public sealed class EngramClient : IAsyncDisposable
{
    private readonly GrpcChannel[] _channels;
    private readonly EngramService.EngramServiceClient _client;
    private readonly ResiliencePipeline _retry;
    private readonly RememberBatchSender _sender;
    private readonly PressureWatcher _pressure;
    private readonly TimeProvider _time;
    private readonly bool _hasKey;
    private long _retries;

    private EngramClient(EngramOptions options, TimeProvider time)
    {
        Options = options;
        _time = time;
        _hasKey = options.ResolveApiKey() is not null;
        // Batches may be spread over several HTTP/2 connections (EngramOptions.Connections); unary calls use the first.
        var connections = Enumerable.Range(0, options.Connections).Select(_ => EngramChannelFactory.Create(options)).ToArray();
        _channels = [.. connections.Select(connection => connection.Channel)];
        var clients = connections.Select(connection => new EngramService.EngramServiceClient(connection.Invoker)).ToArray();
        _client = clients[0];
        _retry = RetryPipelines.Create(options, time, () => Interlocked.Increment(ref _retries));
        _sender = new RememberBatchSender(clients, options, _retry, time);
        _pressure = new PressureWatcher(_client, options, _retry, time);
    }

    /// <summary>The options the client was built with.</summary>
    public EngramOptions Options { get; }

    /// <summary>Retries made after transient failures, all calls together.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Records sent alone with a unary Remember after they ended a stream.</summary>
    public long Isolations => _sender.Isolations;

    /// <summary>Times a batch waited for Engram's memory pressure to drop.</summary>
    public long PressurePauses => _pressure.Pauses;

    /// <summary>Creates a client; nothing is sent until the first call. The API key is registered with <see cref="SecretScrubber"/>.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="time">The clock used for deadlines, backoff and pressure polling.</param>
    public static EngramClient Create(EngramOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (!options.IsValidated)
        {
            throw new ArgumentException("Validate the options before use (EngramOptions.Validate).", nameof(options));
        }

        return new EngramClient(options, time);
    }

    /// <summary>
    /// Checks, before anything is written, that the vectors have the dimension Engram takes, that Engram
    /// answers at the address, accepts the credentials, and accepts the memory space id.
    /// </summary>
    /// <param name="vectorDimension">The dimension of the vectors to load (the snapshot's model); null skips the check.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public async Task<PreflightReport> PreflightAsync(int? vectorDimension, CancellationToken cancellationToken)
    {
        if (vectorDimension is { } dimension && dimension != EngramOptions.EngramDimension)
        {
            throw EngramErrors.Preflight(Options, $"the vectors have {dimension} dimensions; Engram takes exactly {EngramOptions.EngramDimension}.", $"Re-embed with a {EngramOptions.EngramDimension}-dimension model, then run load again. Nothing was sent.");
        }

        var request = new IntrospectRequest { MemorySpaceId = Options.MemorySpaceId, IncludeHealth = true, IncludeStatistics = true };
        IntrospectResponse response;
        try
        {
            response = await _retry.ExecuteAsync(
                async (r, token) => await _client.IntrospectAsync(r, deadline: _time.GetUtcNow().UtcDateTime + Options.ConnectTimeout, cancellationToken: token),
                request,
                cancellationToken);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex)
        {
            throw EngramErrors.FromRpc("preflight Introspect", Options, ex, _hasKey ? "API key sent" : "no API key sent");
        }

        double? pressure = response.Metrics.TryGetValue(Options.PressureMetric, out var value) && float.IsFinite(value) ? value : null;
        return new PreflightReport(
            Options.Describe(),
            Options.MemorySpaceId,
            _hasKey,
            response.Health?.Healthy ?? true,
            response.Health?.Summary ?? string.Empty,
            response.Statistics?.TotalMemories ?? 0,
            pressure);
    }

    /// <summary>Returns when Engram's memory pressure allows another batch; see <see cref="EngramOptions.PressureThreshold"/>.</summary>
    public Task WaitForCapacityAsync(CancellationToken cancellationToken) => _pressure.WaitForCapacityAsync(cancellationToken);

    /// <summary>
    /// Sends one batch; returns when every record of it was acknowledged or rejected with Engram's message.
    /// Throws <see cref="EngramException"/> when the run must stop (credentials, space, retries exhausted).
    /// </summary>
    public Task<BatchResult> RememberBatchAsync(IReadOnlyList<MemoryWrite> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count is 0 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch.Count, "A batch holds 1 to 1000 records.");
        }

        return _sender.SendAsync(batch, cancellationToken);
    }

    /// <summary>Creates one association.</summary>
    /// <returns>Null when Engram accepted it; Engram's refusal otherwise (the edge becomes a reject).</returns>
    public async Task<string?> AssociateAsync(AssociateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            await _retry.ExecuteAsync(
                async (r, token) => await _client.AssociateAsync(r, deadline: Deadline(), cancellationToken: token),
                request,
                cancellationToken);
            return null;
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex) when (StatusClassifier.Classify(ex) == FailureKind.Record)
        {
            return $"Engram refused the association ({ex.StatusCode}): {ex.Status.Detail}";
        }
        catch (RpcException ex)
        {
            throw EngramErrors.FromRpc("Associate", Options, ex, $"{request.SourceMemory} -> {request.TargetMemory}");
        }
    }

    /// <summary>Deletes one memory (Forget, mode DELETE).</summary>
    /// <returns>How many memories Engram removed (0 when it did not hold the id).</returns>
    public async Task<int> ForgetAsync(string memoryId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(memoryId);
        var request = new ForgetRequest { MemorySpaceId = Options.MemorySpaceId, MemoryId = memoryId, Mode = ForgetMode.Delete };
        try
        {
            var response = await _retry.ExecuteAsync(
                async (r, token) => await _client.ForgetAsync(r, deadline: Deadline(), cancellationToken: token),
                request,
                cancellationToken);
            return response.MemoriesAffected;
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex)
        {
            throw EngramErrors.FromRpc("Forget", Options, ex, memoryId);
        }
    }

    /// <summary>
    /// Recalls the memories nearest to an embedding (an embedding cue), best first. Used by validation to
    /// check that a loaded record comes back when asked for with its own vector.
    /// </summary>
    /// <param name="embedding">The cue vector; it must have the dimension of the memories held.</param>
    /// <param name="maxResults">How many memories to return at most, 1 to 1000.</param>
    /// <param name="includeMetadata">Ask Engram to return each memory's metadata (Engram may keep none).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<Memory>> RecallAsync(ReadOnlyMemory<float> embedding, int maxResults, bool includeMetadata, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(embedding.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResults, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxResults, 1000);
        var cue = new EmbeddingCue();
        cue.Vector.AddRange(embedding.ToArray());
        var request = new RecallRequest
        {
            MemorySpaceId = Options.MemorySpaceId,
            // Engram reads the limit from the request, older builds from the cue: both carry it.
            Cue = new Cue { Id = "engram-bulkload-validate", Embedding = cue, MaxResults = maxResults },
            MaxResults = maxResults,
            IncludeMetadata = includeMetadata,
        };
        try
        {
            var response = await _retry.ExecuteAsync(
                async (r, token) => await _client.RecallAsync(r, deadline: Deadline(), cancellationToken: token),
                request,
                cancellationToken);
            return response.Memories;
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex)
        {
            throw EngramErrors.FromRpc("Recall", Options, ex, $"embedding cue of {embedding.Length} floats, top {maxResults}");
        }
    }

    /// <summary>Engram's statistics for the memory space.</summary>
    public async Task<IntrospectResponse> IntrospectAsync(CancellationToken cancellationToken)
    {
        var request = new IntrospectRequest { MemorySpaceId = Options.MemorySpaceId, IncludeHealth = true, IncludeStatistics = true };
        try
        {
            return await _retry.ExecuteAsync(
                async (r, token) => await _client.IntrospectAsync(r, deadline: Deadline(), cancellationToken: token),
                request,
                cancellationToken);
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex)
        {
            throw EngramErrors.FromRpc("Introspect", Options, ex);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _pressure.Dispose();
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private DateTime Deadline() => _time.GetUtcNow().UtcDateTime + Options.CallTimeout;
}
