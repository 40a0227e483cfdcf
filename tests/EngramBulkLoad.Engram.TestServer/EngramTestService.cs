using EngramBulkLoad.Engram.Protocol;
using Grpc.Core;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// engram.v1.EngramService as the real server behaves (see shared/engram-contract.md): bearer-key
/// authentication, space id syntax, one response per streamed request in order, and an error status
/// that ends the whole stream at the first bad record.
/// </summary>
internal sealed class EngramTestService(EngramTestServerOptions options, EngramTestStore store, FaultInjector faults) : EngramService.EngramServiceBase
{
    public override async Task<RememberResponse> Remember(RememberRequest request, ServerCallContext context)
    {
        var space = Authorize(context, request.MemorySpaceId);
        await faults.BeforeCallAsync(nameof(Remember), context.CancellationToken);
        store.CountUnary();
        return Store(space, request);
    }

    public override async Task StreamingRemember(IAsyncStreamReader<RememberRequest> requestStream, IServerStreamWriter<RememberResponse> responseStream, ServerCallContext context)
    {
        Authenticate(context);
        await faults.BeforeCallAsync(nameof(StreamingRemember), context.CancellationToken);
        store.CountStream();
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            var space = Authorize(context, request.MemorySpaceId);
            await faults.BeforeRecordAsync(context.CancellationToken);
            var response = Store(space, request);
            faults.AfterRecordStored(context);
            await responseStream.WriteAsync(response, context.CancellationToken);
        }
    }

    public override async Task<AssociateResponse> Associate(AssociateRequest request, ServerCallContext context)
    {
        var space = Authorize(context, request.MemorySpaceId);
        await faults.BeforeCallAsync(nameof(Associate), context.CancellationToken);
        var strength = store.Associate(space, request);
        return new AssociateResponse { Created = true, FinalStrength = strength };
    }

    public override async Task<ForgetResponse> Forget(ForgetRequest request, ServerCallContext context)
    {
        var space = Authorize(context, request.MemorySpaceId);
        await faults.BeforeCallAsync(nameof(Forget), context.CancellationToken);
        if (request.TargetCase != ForgetRequest.TargetOneofCase.MemoryId)
        {
            throw new RpcException(new Status(
                request.TargetCase == ForgetRequest.TargetOneofCase.Pattern ? StatusCode.Unimplemented : StatusCode.InvalidArgument,
                "Forget requires a target: specify which memory to forget using memory_id."));
        }

        var affected = store.Forget(space, request.MemoryId, request.Mode);
        return new ForgetResponse { MemoriesAffected = affected, Reversible = request.Mode == ForgetMode.Suppress };
    }

    public override async Task<IntrospectResponse> Introspect(IntrospectRequest request, ServerCallContext context)
    {
        Authenticate(context);
        var space = string.IsNullOrEmpty(request.MemorySpaceId) ? null : Authorize(context, request.MemorySpaceId);
        await faults.BeforeCallAsync(nameof(Introspect), context.CancellationToken);
        store.CountIntrospect();
        var response = new IntrospectResponse
        {
            Health = new HealthStatus { Healthy = true, Summary = "All memory systems operational (Engram test server)" },
            Statistics = new MemoryStatistics
            {
                TotalMemories = space is null ? store.All().Count : store.Count(space),
                TotalAssociations = store.Associations.Count(a => space is null || a.Space == space),
            },
        };
        response.Metrics["streaming_queue_depth"] = 0;
        if (faults.ReportPressure)
        {
            response.Metrics["memory_pressure"] = faults.NextPressure();
        }

        return response;
    }

    public override async Task<RecallResponse> Recall(RecallRequest request, ServerCallContext context)
    {
        var space = Authorize(context, request.MemorySpaceId);
        await faults.BeforeCallAsync(nameof(Recall), context.CancellationToken);
        var max = request.MaxResults > 0 ? request.MaxResults : 10;
        IEnumerable<StoredMemory> found = request.Cue?.CueTypeCase switch
        {
            Cue.CueTypeOneofCase.Semantic => store.Memories(space).Where(m => m.Content.Contains(request.Cue.Semantic.Query, StringComparison.OrdinalIgnoreCase)),
            Cue.CueTypeOneofCase.Embedding => store.Memories(space)
                .Where(m => m.Embedding.Length == request.Cue.Embedding.Vector.Count)
                .OrderByDescending(m => Dot(m.Embedding, request.Cue.Embedding.Vector)),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "Recall needs an embedding or semantic cue.")),
        };
        var response = new RecallResponse();
        foreach (var memory in found.Take(max))
        {
            var message = new Memory { Id = memory.Id, Content = memory.Content, Confidence = new Protocol.Confidence { Value = memory.Confidence }, MemoryType = memory.Type };
            foreach (var (key, value) in memory.Metadata)
            {
                message.Metadata[key] = value;
            }

            message.Tags.Add(memory.Tags);
            response.Memories.Add(message);
        }

        return response;
    }

    private RememberResponse Store(string space, RememberRequest request)
    {
        if (faults.RefusalOf(request) is { } refusal)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, refusal));
        }

        return store.Remember(space, request);
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

    private static double Dot(float[] a, IList<float> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
