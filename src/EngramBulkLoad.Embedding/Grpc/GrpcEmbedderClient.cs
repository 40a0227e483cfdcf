using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Errors;
using global::Grpc.Core;
using global::Grpc.Net.Client;
using Polly;
using Polly.Retry;

namespace EngramBulkLoad.Embedding.Grpc;

/// <summary>
/// The job's client of the embedding service: splits work into calls of
/// <see cref="GrpcEmbedderOptions.TextsPerCall"/> texts, keeps up to
/// <see cref="GrpcEmbedderOptions.MaxConcurrentCalls"/> in flight over one or more endpoints, retries
/// transient failures with exponential backoff and jitter, and checks every answer.
/// </summary>
public sealed class GrpcEmbedderClient : ITextEmbedder
{
    private readonly GrpcEmbedderOptions _options;
    private readonly IReadOnlyList<Endpoint> _endpoints;
    private readonly SemaphoreSlim _inFlight;
    private readonly ResiliencePipeline _retry;
    private int _nextEndpoint = -1;

    private GrpcEmbedderClient(GrpcEmbedderOptions options, IReadOnlyList<Endpoint> endpoints)
    {
        _options = options;
        _endpoints = endpoints;
        _inFlight = new SemaphoreSlim(options.MaxConcurrentCalls, options.MaxConcurrentCalls);
        _retry = BuildRetryPipeline(options);
        Info = new EmbedderInfo(string.Empty, 0, EmbedderKinds.Onnx, 0, string.Empty, string.Empty, string.Empty);
    }

    /// <inheritdoc />
    public EmbedderInfo Info { get; private set; }

    /// <summary>
    /// Validates <paramref name="options"/>, asks every endpoint for its model, and checks that they all
    /// serve the same model with the expected dimension. Fails before any text is sent otherwise.
    /// </summary>
    /// <exception cref="ConfigException">The options are invalid.</exception>
    /// <exception cref="EmbeddingException">An endpoint is unreachable, lacks the model, or its dimension is wrong.</exception>
    public static async Task<GrpcEmbedderClient> ConnectAsync(GrpcEmbedderOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var endpoints = options.Endpoints.Select(uri => new Endpoint(uri, options)).ToArray();
        var client = new GrpcEmbedderClient(options, endpoints);
        try
        {
            client.Info = await client.DescribeAllAsync(cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client whose model is already known; skips asking the endpoints (tests use it to include a dead endpoint).</summary>
    internal static GrpcEmbedderClient CreateDescribed(GrpcEmbedderOptions options, EmbedderInfo info)
    {
        options.Validate();
        return new GrpcEmbedderClient(options, options.Endpoints.Select(uri => new Endpoint(uri, options)).ToArray()) { Info = info };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EmbeddingOutput>> EmbedAsync(IReadOnlyList<EmbeddingInput> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return [];
        }

        var results = new EmbeddingOutput[items.Count];
        var calls = new List<Task>((items.Count / _options.TextsPerCall) + 1);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        for (var start = 0; start < items.Count; start += _options.TextsPerCall)
        {
            var count = Math.Min(_options.TextsPerCall, items.Count - start);
            calls.Add(EmbedSliceAsync(items, start, count, results, failed));
        }

        await Task.WhenAll(calls);
        return results;
    }

    private async Task EmbedSliceAsync(IReadOnlyList<EmbeddingInput> items, int start, int count, EmbeddingOutput[] results, CancellationTokenSource failed)
    {
        var cancellationToken = failed.Token;
        await _inFlight.WaitAsync(cancellationToken);
        try
        {
            var request = new EmbedRequest { Model = Info.ModelId, Encoding = VectorEncoding.PackedFloat32Le };
            for (var i = start; i < start + count; i++)
            {
                request.Items.Add(new TextItem { Id = items[i].Id ?? string.Empty, Text = items[i].Text ?? string.Empty });
            }

            var (response, endpoint) = await CallAsync(
                (client, callOptions) => client.EmbedAsync(request, callOptions).ResponseAsync,
                cancellationToken);
            ReadInto(response, endpoint, items, start, count, results);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One failed slice fails the batch: stop the others instead of letting them queue more work.
            await failed.CancelAsync();
            throw;
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private void ReadInto(EmbedResponse response, Endpoint endpoint, IReadOnlyList<EmbeddingInput> items, int start, int count, EmbeddingOutput[] results)
    {
        if (response.Embeddings.Count != count)
        {
            throw Failure(endpoint, $"answered {response.Embeddings.Count} embeddings for {count} texts.", "This is a service bug; check that client and service speak the same protocol version.");
        }

        for (var i = 0; i < count; i++)
        {
            var embedding = response.Embeddings[i];
            var expectedId = items[start + i].Id ?? string.Empty;
            if (!string.Equals(embedding.Id, expectedId, StringComparison.Ordinal))
            {
                throw Failure(endpoint, $"returned id {CallerText.Quote(embedding.Id)} at position {start + i} where {CallerText.Quote(expectedId)} was sent.", "This is a service bug: results must come back in request order.");
            }

            var vector = VectorCodec.Read(embedding);
            if (vector is null || vector.Length != _options.ExpectedDimension)
            {
                throw Failure(endpoint, $"returned a vector of {vector?.Length ?? 0} values for id {CallerText.Quote(expectedId)}; {_options.ExpectedDimension} were expected.", "Check which model the endpoint serves (Info).");
            }

            foreach (var value in vector)
            {
                if (!float.IsFinite(value))
                {
                    throw Failure(endpoint, $"returned a non-finite value in the vector for id {CallerText.Quote(expectedId)}.", "Check the model export; Engram refuses NaN and infinity.");
                }
            }

            results[start + i] = new EmbeddingOutput(expectedId, vector, embedding.TokenCount, embedding.Truncated);
        }
    }

    private async Task<EmbedderInfo> DescribeAllAsync(CancellationToken cancellationToken)
    {
        EmbedderInfo? first = null;
        Endpoint? firstEndpoint = null;
        foreach (var endpoint in _endpoints)
        {
            var info = await DescribeAsync(endpoint, cancellationToken);
            if (first is null)
            {
                first = info;
                firstEndpoint = endpoint;
                continue;
            }

            if (info.ModelId != first.ModelId || info.FilesHash != first.FilesHash)
            {
                throw Failure(endpoint, $"serves model '{info.ModelId}' (files {Short(info.FilesHash)}) while {firstEndpoint!.Address} serves '{first.ModelId}' (files {Short(first.FilesHash)}).", "Point all endpoints at replicas of the same model, or a re-run would mix vectors of different models.");
            }
        }

        return first!;
    }

    private async Task<EmbedderInfo> DescribeAsync(Endpoint endpoint, CancellationToken cancellationToken)
    {
        InfoResponse response;
        try
        {
            response = await _retry.ExecuteAsync(
                async ct => await endpoint.Client.InfoAsync(new InfoRequest(), endpoint.CallOptions(_options, ct)).ResponseAsync,
                cancellationToken);
        }
        catch (RpcException ex)
        {
            throw Translate(endpoint, ex);
        }

        var wanted = string.IsNullOrEmpty(_options.Model) ? response.DefaultModel : _options.Model;
        var model = response.Models.FirstOrDefault(m => string.Equals(m.ModelId, wanted, StringComparison.Ordinal));
        if (model is null)
        {
            var served = string.Join(", ", response.Models.Select(m => $"'{m.ModelId}'"));
            throw Failure(endpoint, $"does not serve model '{wanted}'; it serves {served}.", "Set the model to one of those, or load the model into the service.");
        }

        if (model.Dimension != _options.ExpectedDimension)
        {
            var engram = _options.ExpectedDimension == EngramDimensions.Required
                ? $" Engram accepts only {EngramDimensions.Required}-dimensional embeddings."
                : string.Empty;
            throw Failure(endpoint, $"serves model '{model.ModelId}' with dimension {model.Dimension}, but {_options.ExpectedDimension} is required.{engram}", "Choose a 768-dimensional model (e.g. all-mpnet-base-v2, paraphrase-multilingual-mpnet-base-v2) or the lexical embedder.");
        }

        // A call's vectors must fit in one response this client accepts, or every call fails after inference.
        var responseBytes = 512 + ((long)_options.TextsPerCall * (20 + (4L * model.Dimension)));
        if (responseBytes > _options.MaxReceiveMessageBytes)
        {
            throw ErrorFactory.Config("embedding.maxReceiveMessageBytes", $"{_options.MaxReceiveMessageBytes} bytes cannot hold the response to one call of {_options.TextsPerCall} texts (textsPerCall) of model '{model.ModelId}' ({model.Dimension} values each, about {responseBytes} bytes).", "Raise maxReceiveMessageBytes or lower textsPerCall.");
        }

        return new EmbedderInfo(model.ModelId, model.Dimension, model.Kind, model.MaxSequenceLength, model.ExecutionProvider, model.Precision, model.FilesHash);
    }

    private async Task<(T Result, Endpoint Endpoint)> CallAsync<T>(Func<EmbeddingService.EmbeddingServiceClient, CallOptions, Task<T>> call, CancellationToken cancellationToken)
    {
        Endpoint endpoint = _endpoints[0];
        try
        {
            var result = await _retry.ExecuteAsync(
                async ct =>
                {
                    // Every attempt takes the next endpoint, so a retry after UNAVAILABLE goes to a live replica.
                    endpoint = _endpoints[(int)((uint)Interlocked.Increment(ref _nextEndpoint) % (uint)_endpoints.Count)];
                    return await call(endpoint.Client, endpoint.CallOptions(_options, ct));
                },
                cancellationToken);
            return (result, endpoint);
        }
        catch (RpcException ex)
        {
            throw Translate(endpoint, ex);
        }
    }

    private static ResiliencePipeline BuildRetryPipeline(GrpcEmbedderOptions options)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(IsTransient),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                // An overloaded service says when to come back; without a hint, Polly's backoff applies.
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is RpcException refused && RetryHint.From(refused) is { } hint
                        ? RetryHint.Delay(hint, args.AttemptNumber, options.RetryBaseDelay, options.RetryMaxDelay, Random.Shared.NextDouble())
                        : (TimeSpan?)null),
            });
        }

        return builder.Build();
    }

    /// <summary>Status codes after which the same call may succeed later or on another replica.</summary>
    internal static bool IsTransient(StatusCode code) => code is StatusCode.Unavailable
        or StatusCode.ResourceExhausted
        or StatusCode.Aborted
        or StatusCode.DeadlineExceeded;

    /// <summary>
    /// Like <see cref="IsTransient(StatusCode)"/>, except that RESOURCE_EXHAUSTED counts only with a retry hint:
    /// the service sends one with every overload refusal, while a message over a size limit (the client's or
    /// the service's) comes without one and fails the same way every time.
    /// </summary>
    internal static bool IsTransient(RpcException exception)
        => exception.StatusCode == StatusCode.ResourceExhausted ? RetryHint.From(exception) is not null : IsTransient(exception.StatusCode);

    private static EmbeddingException Translate(Endpoint endpoint, RpcException ex)
    {
        var transient = IsTransient(ex);
        var fix = ex.StatusCode switch
        {
            StatusCode.Unavailable => "Check that the service runs and the address is right.",
            StatusCode.ResourceExhausted when transient => "The service stayed overloaded through every retry: lower maxConcurrentCalls or add replicas.",
            StatusCode.ResourceExhausted => "No retry hint came with it, so this is a message-size limit, not overload: lower textsPerCall, or raise the service's Limits:MaxSendMessageBytes / MaxReceiveMessageBytes or the client's maxReceiveMessageBytes.",
            StatusCode.DeadlineExceeded => "Raise callDeadline, lower textsPerCall, or add capacity.",
            StatusCode.Unauthenticated => "Set the bearer token the service expects (embedding.bearerToken).",
            StatusCode.InvalidArgument => "Fix the request: see the service's limits on texts per request and characters per text, and leave out empty texts.",
            _ => "See the service log for details.",
        };
        return new EmbeddingException(
            $"Embedding service at {endpoint.Address} failed with {ex.StatusCode}: {ex.Status.Detail} {fix}",
            ex,
            transient);
    }

    private static EmbeddingException Failure(Endpoint endpoint, string problem, string fix)
        => new($"Embedding service at {endpoint.Address} {problem} {fix}");

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }

        _inFlight.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Endpoint : IDisposable
    {
        private readonly GrpcChannel _channel;
        private readonly Metadata _headers = [];

        public Endpoint(Uri address, GrpcEmbedderOptions options)
        {
            Address = address;
            _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                MaxReceiveMessageSize = options.MaxReceiveMessageBytes,
                MaxSendMessageSize = null,
                HttpHandler = new SocketsHttpHandler
                {
                    // One HTTP/2 connection caps concurrent streams; let concurrent batches open more.
                    EnableMultipleHttp2Connections = true,
                    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                },
            });
            Client = new EmbeddingService.EmbeddingServiceClient(_channel);
            if (!string.IsNullOrEmpty(options.BearerToken))
            {
                SecretScrubber.Register(options.BearerToken);
                _headers.Add("authorization", "Bearer " + options.BearerToken);
            }
        }

        public Uri Address { get; }

        public EmbeddingService.EmbeddingServiceClient Client { get; }

        public CallOptions CallOptions(GrpcEmbedderOptions options, CancellationToken cancellationToken)
            => new(_headers, options.TimeProvider.GetUtcNow().UtcDateTime + options.CallDeadline, cancellationToken);

        public void Dispose() => _channel.Dispose();
    }
}
