using EngramBulkLoad.Errors;
using Grpc.Core;

namespace EngramBulkLoad.Engram;

/// <summary>
/// Builds the <see cref="EngramException"/>s of the Engram client in one place: each says which call
/// failed against which address and space, what Engram answered, and what to do. The API key is
/// registered with <see cref="SecretScrubber"/> when the channel is built, so it cannot leak through here.
/// </summary>
internal static class EngramErrors
{
    public static EngramException FromRpc(string operation, EngramOptions options, RpcException ex, string? context = null)
    {
        var where = $"Engram at {options.Address}, space '{options.MemorySpaceId}'";
        var what = context is null ? operation : $"{operation} ({context})";
        var fix = ex.StatusCode switch
        {
            StatusCode.Unauthenticated => $"Engram refused the credentials. Set a valid key in {options.ApiKeyEnvironmentVariable} (or engram.apiKey); keys look like engram_key_<id>_<secret>.",
            StatusCode.PermissionDenied => $"The API key may not write memory space '{options.MemorySpaceId}'. Use a key granted that space, or change engram.memorySpaceId.",
            StatusCode.InvalidArgument => "Engram refused the memory space id. Check engram.memorySpaceId.",
            StatusCode.Unimplemented => "The server at this address does not implement engram.v1.EngramService. Check engram.address (Engram's gRPC port is 50051; 7432 is HTTP).",
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted
                => "Engram stayed unreachable or overloaded after every retry. Check that it runs and is reachable, then run again: the load resumes where it stopped.",
            _ => "Check Engram's log for this time; run again to resume.",
        };
        var message = $"{where}: {what} failed with {ex.StatusCode}: {ex.Status.Detail}. {fix}";
        return new EngramException(SecretScrubber.Scrub(message), ex, StatusClassifier.Classify(ex) == FailureKind.Transient);
    }

    public static EngramException Protocol(EngramOptions options, string problem)
        => new(SecretScrubber.Scrub($"Engram at {options.Address}, space '{options.MemorySpaceId}': {problem} The server does not behave like Engram's StreamingRemember; check engram.address."));

    public static EngramException Preflight(EngramOptions options, string problem, string fix, Exception? inner = null)
        => new(SecretScrubber.Scrub($"Engram preflight against {options.Address}, space '{options.MemorySpaceId}': {problem} {fix}"), inner);

    public static EngramException Pressure(EngramOptions options, double pressure)
        => new(
            $"Engram at {options.Address} reported memory pressure {pressure:0.00} (threshold {options.PressureThreshold:0.00}) for longer than {options.MaxPressureWait}. "
            + "The load stopped so as not to flood Engram; everything acknowledged is saved. Let Engram consolidate or give it more memory, then run again to resume.",
            inner: null,
            isTransient: true);
}
