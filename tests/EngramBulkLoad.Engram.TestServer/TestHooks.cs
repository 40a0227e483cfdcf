using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Engram.StandIn;
using Grpc.Core;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// What the test server adds to the stand-in's handling of each call, through its hooks: the faults a test arms
/// (<see cref="FaultInjector"/>) and the record of requests (<see cref="RequestLog"/>).
/// </summary>
internal sealed class TestHooks(FaultInjector faults, RequestLog records) : IEngramStandInHooks
{
    public Task BeforeCallAsync(string method, ServerCallContext context) => faults.BeforeCallAsync(method, context.CancellationToken);

    public async Task BeforeRememberAsync(RememberRequest request, long? sequence, ServerCallContext context)
    {
        if (sequence is not null)
        {
            await faults.BeforeRecordAsync(context.CancellationToken);
        }

        if (faults.RefusalOf(request) is { } refusal)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, refusal));
        }
    }

    public void AfterRemember(string space, RememberRequest request, RememberResponse response, long? sequence, ServerCallContext context)
    {
        records.Remembered(request, response.MemoryId);
        if (sequence is not null)
        {
            faults.AfterRecordStored(context);
        }
    }

    public void AfterAssociate(string space, AssociateRequest request, AssociateResponse response)
        => records.Associated(space, request, response.FinalStrength);

    public void BeforeIntrospectResponse(IntrospectResponse response)
    {
        if (faults.ReportPressure)
        {
            response.Metrics["memory_pressure"] = faults.NextPressure();
        }
    }
}
