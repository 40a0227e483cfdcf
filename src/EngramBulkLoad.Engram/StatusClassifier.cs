using System.Net.Http;
using Grpc.Core;

namespace EngramBulkLoad.Engram;

/// <summary>
/// Sorts gRPC failures into transient, per-record and fatal. The decision is made here once, so the
/// retry policy, the batch writer and the association loader all agree on it.
/// </summary>
internal static class StatusClassifier
{
    public static FailureKind Classify(RpcException ex) => ex.StatusCode switch
    {
        StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.DeadlineExceeded or StatusCode.Aborted => FailureKind.Transient,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.Unimplemented => FailureKind.Fatal,
        StatusCode.InvalidArgument when NamesMemorySpace(ex.Status.Detail) => FailureKind.Fatal,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => FailureKind.Record,
        // A connection reset mid-call surfaces as Internal/Unknown/Cancelled with an I/O error inside;
        // the server never saw a problem with the data, so it is worth another try.
        StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled when IsConnectionFailure(ex) => FailureKind.Transient,
        _ => FailureKind.Fatal,
    };

    public static bool IsTransient(Exception ex) => ex is RpcException rpc && Classify(rpc) == FailureKind.Transient;

    private static bool NamesMemorySpace(string detail)
        => detail.Contains("memory_space_id", StringComparison.OrdinalIgnoreCase)
            || detail.Contains("space ID", StringComparison.OrdinalIgnoreCase)
            || detail.Contains("memory space", StringComparison.OrdinalIgnoreCase);

    private static bool IsConnectionFailure(RpcException ex)
    {
        for (Exception? inner = ex.InnerException ?? ex.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is IOException or HttpRequestException or System.Net.Sockets.SocketException or HttpProtocolException)
            {
                return true;
            }
        }

        return false;
    }
}
