using System.Security.Cryptography;
using System.Text;
using EngramBulkLoad.Embedding.Service.Options;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EngramBulkLoad.Embedding.Service.Grpc;

/// <summary>
/// Refuses calls without <c>authorization: Bearer &lt;token&gt;</c> when a token is configured. Health
/// checks stay open so Kubernetes probes need no secret.
/// </summary>
internal sealed class BearerTokenInterceptor(EmbeddingServiceOptions options) : Interceptor
{
    private const string HealthPrefix = "/grpc.health.v1.Health/";
    private readonly byte[]? _expected = options.BearerToken is null ? null : Encoding.UTF8.GetBytes("Bearer " + options.BearerToken);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (_expected is null || context.Method.StartsWith(HealthPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var presented = context.RequestHeaders.GetValue("authorization");
        // Fixed-time comparison, so response timing does not reveal how much of a guess was right.
        if (presented is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _expected))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "A valid 'authorization: Bearer <token>' header is required by this embedding service."));
        }
    }
}
