using System.Globalization;
using EngramBulkLoad.Embedding.Service.Admission;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Status = Grpc.Core.Status;

namespace EngramBulkLoad.Embedding.Service.Grpc;

/// <summary>
/// Builds the RpcExceptions the service answers with. RESOURCE_EXHAUSTED from overload carries when to
/// retry twice over: as <c>google.rpc.RetryInfo</c> in the <c>grpc-status-details-bin</c> trailer (the
/// richer error model, https://grpc.io/docs/guides/error/) and as <c>grpc-retry-pushback-ms</c>, the
/// trailer gRPC's own retry policy reads (gRFC A6, https://github.com/grpc/proposal/blob/master/A6-client-retries.md).
/// A status without either is not an overload refusal (e.g. a message-size limit) and is not worth retrying.
/// </summary>
internal static class Refusals
{
    public const string PushbackTrailer = "grpc-retry-pushback-ms";

    public static RpcException Overloaded(OverloadedException overload)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)StatusCode.ResourceExhausted,
            Message = overload.Message,
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(overload.RetryAfter) }) },
        };
        var trailers = new Metadata();
        trailers.SetRpcStatus(status);
        trailers.Add(PushbackTrailer, ((long)Math.Ceiling(overload.RetryAfter.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture));
        return new RpcException(new Status(StatusCode.ResourceExhausted, overload.Message), trailers);
    }

}
