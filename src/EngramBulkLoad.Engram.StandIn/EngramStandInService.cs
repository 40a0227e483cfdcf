using EngramBulkLoad.Engram.Protocol;
using Grpc.Core;

namespace EngramBulkLoad.Engram.StandIn;

/// <summary>
/// engram.v1.EngramService hosted over gRPC: authentication, space ids and the stream's shape; what each call
/// does is <see cref="EngramStandInStore"/>'s (engram-cli/src/grpc.rs at commit 5d54816). The host's
/// <see cref="IEngramStandInHooks"/> (the test server's faults and records) are called at fixed points.
/// </summary>
internal sealed class EngramStandInService(EngramStandInOptions options, EngramStandInStore store, IEngramStandInHooks hooks) : EngramService.EngramServiceBase
{
    public override async Task<RememberResponse> Remember(RememberRequest request, ServerCallContext context)
    {
        var space = Authorize(context, request.MemorySpaceId);
        await hooks.BeforeCallAsync(nameof(Remember), context);
        store.CountUnary();
        return await StoreAsync(space, request, sequence: null, context);
    }

    /// <summary>
    /// grpc.rs, streaming_remember: one response per request, in order; the first error (a bad space id, a wrong
    /// embedding, no content) is sent as the stream's status, which ends the call for the client.
    /// </summary>
    public override async Task StreamingRemember(IAsyncStreamReader<RememberRequest> requestStream, IServerStreamWriter<RememberResponse> responseStream, ServerCallContext context)
    {
        Authenticate(context);
        await hooks.BeforeCallAsync(nameof(StreamingRemember), context);
        store.CountStream();
        long sequence = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            var space = Authorize(context, request.MemorySpaceId);
            var response = await StoreAsync(space, request, ++sequence, context);
            await responseStream.WriteAsync(response, context.CancellationToken);
        }
    }

    public override async Task<AssociateResponse> Associate(AssociateRequest request, ServerCallContext context)
    {
        var space = Authorize(context, request.MemorySpaceId);
        await hooks.BeforeCallAsync(nameof(Associate), context);
        var response = store.Associate(space, request);
        hooks.AfterAssociate(space, request, response);
        return response;
    }

    public override async Task<ForgetResponse> Forget(ForgetRequest request, ServerCallContext context)
    {
        var space = Authorize(context, request.MemorySpaceId);
        await hooks.BeforeCallAsync(nameof(Forget), context);
        return store.Forget(space, request);
    }

    /// <summary>
    /// grpc.rs, introspect: the streaming metrics, a healthy status, and statistics whose counts are all zero
    /// (the handler fills them with constants; Engram's count is only on its HTTP health endpoint).
    /// A host's hooks may add metrics Engram does not publish (the test server's memory_pressure, for the loader's pressure tests).
    /// </summary>
    public override async Task<IntrospectResponse> Introspect(IntrospectRequest request, ServerCallContext context)
    {
        Authenticate(context);
        if (!string.IsNullOrEmpty(request.MemorySpaceId))
        {
            Authorize(context, request.MemorySpaceId);
        }

        await hooks.BeforeCallAsync(nameof(Introspect), context);
        store.CountIntrospect();
        var response = new IntrospectResponse
        {
            Health = new HealthStatus { Healthy = true, Summary = "All memory systems operational" },
            Statistics = new MemoryStatistics(),
        };
        response.ActiveProcesses.Add(["consolidation", "decay"]);
        response.Metrics["streaming_queue_depth"] = 0;
        response.Metrics["streaming_updates_exported"] = 0;
        response.Metrics["streaming_updates_dropped"] = 0;
        hooks.BeforeIntrospectResponse(response);
        return response;
    }

    public override async Task<RecallResponse> Recall(RecallRequest request, ServerCallContext context)
    {
        var space = Authorize(context, request.MemorySpaceId);
        await hooks.BeforeCallAsync(nameof(Recall), context);
        return store.Recall(space, request);
    }

    private async Task<RememberResponse> StoreAsync(string space, RememberRequest request, long? sequence, ServerCallContext context)
    {
        await hooks.BeforeRememberAsync(request, sequence, context);
        var response = store.Remember(space, request, sequence);
        hooks.AfterRemember(space, request, response, sequence, context);
        return response;
    }

    private void Authenticate(ServerCallContext context) => KeyOf(context);

    /// <summary>Checks the key and the space, returning the space the request goes to.</summary>
    private string Authorize(ServerCallContext context, string requestedSpace)
    {
        var allowed = KeyOf(context);
        var space = ResolveSpace(requestedSpace);
        if (allowed is not null && !allowed.Contains(space))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"API key does not grant access to memory space '{space}'"));
        }

        return space;
    }

    /// <summary>The spaces the caller's key may write (null: all); throws UNAUTHENTICATED when authentication is on and the key is missing or unknown.</summary>
    private IReadOnlySet<string>? KeyOf(ServerCallContext context)
    {
        if (options.ApiKeys.Count == 0)
        {
            return null;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Missing authorization header"));
        }

        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.Ordinal) || !options.ApiKeys.TryGetValue(header[Bearer.Length..], out var spaces))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "API key not found"));
        }

        return spaces;
    }

    private string ResolveSpace(string requested)
    {
        if (string.IsNullOrEmpty(requested))
        {
            return options.DefaultSpace;
        }

        // Engram's own rule (engram-core MemorySpaceId), written out here independently of the client's check.
        var trimmed = requested.Trim();
        if (trimmed.Length is < 3 or > 64 || !trimmed.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Invalid memory_space_id: '{requested}' must be 3-64 characters of lowercase letters, digits, '-' or '_'."));
        }

        requested = trimmed;

        return requested;
    }
}
