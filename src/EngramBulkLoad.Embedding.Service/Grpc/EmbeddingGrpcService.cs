using System.Threading.Channels;
using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Admission;
using EngramBulkLoad.Embedding.Service.Batching;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Options;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Service.Grpc;

/// <summary>
/// The gRPC face of the service. Checks limits, finds the model, and maps failures to status codes:
/// INVALID_ARGUMENT for requests over the limits or with an empty text, NOT_FOUND for an unknown model,
/// RESOURCE_EXHAUSTED with a retry hint when the model is overloaded, DEADLINE_EXCEEDED for a call whose
/// deadline passed before it arrived. Every check runs before tokenization. Caller strings appear in
/// messages only through <see cref="CallerText"/>; text content never does.
/// </summary>
internal sealed class EmbeddingGrpcService(ModelRegistry registry, EmbeddingServiceOptions options, EmbeddingMetrics metrics, TimeProvider timeProvider, ILogger<EmbeddingGrpcService> logger)
    : EmbeddingService.EmbeddingServiceBase
{
    private readonly RequestLimitOptions _limits = options.Limits;

    public override Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
        => EmbedOneAsync(request, Deadline(context), context.CancellationToken);

    public override async Task EmbedStream(IAsyncStreamReader<EmbedRequest> requestStream, IServerStreamWriter<EmbedResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var deadline = Deadline(context);
        // Bounded: a fast sender waits here instead of queueing unbounded work for one stream.
        var inFlight = Channel.CreateBounded<Task<EmbedResponse>>(new BoundedChannelOptions(_limits.MaxStreamRequestsInFlight) { SingleReader = true, SingleWriter = true });
        var writer = WriteInOrderAsync(inFlight.Reader, responseStream, cancellationToken);
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(cancellationToken))
            {
                await inFlight.Writer.WriteAsync(EmbedOneAsync(request, deadline, cancellationToken), cancellationToken);
            }
        }
        finally
        {
            inFlight.Writer.TryComplete();
        }

        await writer;
    }

    public override Task<InfoResponse> Info(InfoRequest request, ServerCallContext context)
    {
        var response = new InfoResponse { DefaultModel = registry.DefaultModel };
        foreach (var model in registry.Models)
        {
            var info = model.Info;
            response.Models.Add(new ModelInfo
            {
                ModelId = info.ModelId,
                Dimension = info.Dimension,
                MaxSequenceLength = info.MaxSequenceLength,
                Precision = info.Precision,
                ExecutionProvider = info.ExecutionProvider,
                FilesHash = info.FilesHash,
                Kind = info.Kind,
                Tokenizer = model.Pipeline.Tokenizer,
                Pooling = model.Pipeline.Pooling,
                Normalized = model.Pipeline.Normalized,
                Prompt = model.Pipeline.Prompt,
                PoolingIncludesPrompt = model.Pipeline.PoolingIncludesPrompt,
                LowerCase = model.Pipeline.LowerCase,
                PipelineSource = model.Pipeline.Source,
                Device = model.Device,
            });
        }

        return Task.FromResult(response);
    }

    private static async Task WriteInOrderAsync(ChannelReader<Task<EmbedResponse>> responses, IServerStreamWriter<EmbedResponse> stream, CancellationToken cancellationToken)
    {
        await foreach (var response in responses.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(await response, cancellationToken);
        }
    }

    /// <summary>The call's deadline, or null when the caller set none (grpc-dotnet reports DateTime.MaxValue then).</summary>
    private static DateTimeOffset? Deadline(ServerCallContext context)
        => context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(DateTime.SpecifyKind(context.Deadline, DateTimeKind.Utc));

    private async Task<EmbedResponse> EmbedOneAsync(EmbedRequest request, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        if (deadline is { } due && due <= timeProvider.GetUtcNow())
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "The call's deadline had passed before the service could start on it; nothing was computed."));
        }

        if (!registry.TryGet(request.Model, out var model))
        {
            metrics.Rejected("unknown", "unknown_model");
            throw Refuse(StatusCode.NotFound, $"Model {CallerText.Quote(request.Model)} is not loaded; this service serves {string.Join(", ", registry.Models.Select(m => m.Info.ModelId))}.");
        }

        CheckLimits(request, model.Info);
        var texts = new string[request.Items.Count];
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = request.Items[i].Text;
        }

        EmbeddedText[] results;
        try
        {
            results = await model.EmbedAsync(texts, deadline, cancellationToken);
        }
        catch (OverloadedException ex)
        {
            // Logged by the batcher: Debug per refusal, one Warning per overload episode.
            throw Refusals.Overloaded(ex);
        }
        catch (RequestTooLargeException ex)
        {
            throw Refuse(StatusCode.InvalidArgument, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The caller cancelled the request, or its deadline passed."));
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            logger.LogError(ex, "Embedding {Texts} texts with model {ModelId} failed.", texts.Length, model.Info.ModelId);
            throw new RpcException(new Status(StatusCode.Internal, $"Model '{model.Info.ModelId}' failed: {ex.Message}"));
        }

        var encoding = request.Encoding == VectorEncoding.Unspecified ? VectorEncoding.PackedFloat32Le : request.Encoding;
        var response = new EmbedResponse { ModelId = model.Info.ModelId, Dimension = model.Info.Dimension, RequestId = request.RequestId };
        for (var i = 0; i < results.Length; i++)
        {
            var embedding = new Protocol.Embedding { Id = request.Items[i].Id, TokenCount = results[i].TokenCount, Truncated = results[i].Truncated };
            VectorCodec.Write(embedding, results[i].Vector, encoding);
            response.Embeddings.Add(embedding);
        }

        return response;
    }

    private void CheckLimits(EmbedRequest request, EmbedderInfo model)
    {
        var modelId = model.ModelId;
        if (request.Items.Count > _limits.MaxTextsPerRequest)
        {
            metrics.Rejected(modelId, "too_many_texts");
            throw Refuse(StatusCode.InvalidArgument, $"The request has {request.Items.Count} texts; at most {_limits.MaxTextsPerRequest} are allowed per request. Send smaller requests.");
        }

        for (var i = 0; i < request.Items.Count; i++)
        {
            var item = request.Items[i];
            var length = item.Text.Length;
            if (length > _limits.MaxCharsPerText)
            {
                metrics.Rejected(modelId, "text_too_long");
                // The id is the caller's key; the text itself stays out of the message.
                throw Refuse(StatusCode.InvalidArgument, $"Text {CallerText.Quote(item.Id)} (item {i}) has {length} characters; at most {_limits.MaxCharsPerText} are allowed. Shorten or split it before embedding.");
            }

            if (string.IsNullOrWhiteSpace(item.Text))
            {
                metrics.Rejected(modelId, "empty_text");
                throw Refuse(StatusCode.InvalidArgument, $"Text {CallerText.Quote(item.Id)} (item {i}) is empty or only whitespace; its vector would encode nothing but the model's special tokens. Leave such records out, or give them text.");
            }
        }

        var responseBytes = ResponseSize.For(request, model.Dimension);
        if (responseBytes > _limits.MaxSendMessageBytes)
        {
            metrics.Rejected(modelId, "response_too_large");
            throw Refuse(StatusCode.InvalidArgument, $"The response would take about {responseBytes} bytes ({request.Items.Count} vectors of {model.Dimension} values plus ids), over the service's limit of {_limits.MaxSendMessageBytes} bytes (Limits:MaxSendMessageBytes). Send fewer texts per request or shorter ids.");
        }
    }

    /// <summary>A refusal for the caller to fix; logged at Debug only, since the caller gets the whole message.</summary>
    private RpcException Refuse(StatusCode code, string message)
    {
        logger.LogDebug("Refused a request with {StatusCode}: {Message}", code, message);
        return new RpcException(new Status(code, message));
    }
}
