using System.Threading.Channels;
using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Batching;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Options;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Service.Grpc;

/// <summary>
/// The gRPC face of the service. Checks limits, finds the model, and maps failures to status codes:
/// INVALID_ARGUMENT for requests over the limits, NOT_FOUND for an unknown model, RESOURCE_EXHAUSTED
/// when the queue is full. Logs counts and ids of models, never text.
/// </summary>
internal sealed class EmbeddingGrpcService(ModelRegistry registry, EmbeddingServiceOptions options, EmbeddingMetrics metrics, ILogger<EmbeddingGrpcService> logger)
    : EmbeddingService.EmbeddingServiceBase
{
    private readonly RequestLimitOptions _limits = options.Limits;

    public override Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
        => EmbedOneAsync(request, context.CancellationToken);

    public override async Task EmbedStream(IAsyncStreamReader<EmbedRequest> requestStream, IServerStreamWriter<EmbedResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        // Bounded: a fast sender waits here instead of queueing unbounded work for one stream.
        var inFlight = Channel.CreateBounded<Task<EmbedResponse>>(new BoundedChannelOptions(_limits.MaxStreamRequestsInFlight) { SingleReader = true, SingleWriter = true });
        var writer = WriteInOrderAsync(inFlight.Reader, responseStream, cancellationToken);
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(cancellationToken))
            {
                await inFlight.Writer.WriteAsync(EmbedOneAsync(request, cancellationToken), cancellationToken);
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

    private async Task<EmbedResponse> EmbedOneAsync(EmbedRequest request, CancellationToken cancellationToken)
    {
        if (!registry.TryGet(request.Model, out var model))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Model '{request.Model}' is not loaded; this service serves {string.Join(", ", registry.Models.Select(m => m.Info.ModelId))}."));
        }

        CheckLimits(request, model.Info.ModelId);
        var texts = new string[request.Items.Count];
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = request.Items[i].Text;
        }

        EmbeddedText[] results;
        try
        {
            results = await model.EmbedAsync(texts, cancellationToken);
        }
        catch (QueueFullException ex)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, ex.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The caller cancelled the request."));
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

    private void CheckLimits(EmbedRequest request, string modelId)
    {
        if (request.Items.Count > _limits.MaxTextsPerRequest)
        {
            metrics.Rejected(modelId, "too_many_texts");
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"The request has {request.Items.Count} texts; at most {_limits.MaxTextsPerRequest} are allowed per request. Send smaller requests."));
        }

        for (var i = 0; i < request.Items.Count; i++)
        {
            var length = request.Items[i].Text.Length;
            if (length > _limits.MaxCharsPerText)
            {
                metrics.Rejected(modelId, "text_too_long");
                // The id is the caller's key; the text itself stays out of the message.
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"Text '{request.Items[i].Id}' (item {i}) has {length} characters; at most {_limits.MaxCharsPerText} are allowed. Shorten or split it before embedding."));
            }
        }
    }
}
