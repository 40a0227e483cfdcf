using EngramBulkLoad.Engram.Protocol;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// One Associate call as the test server received it (strength already clamped to [0, 1]). Engram stores
/// nothing for an Associate (engram-cli/src/grpc.rs, associate): this is the test's log of the calls, not state.
/// </summary>
public sealed record AssociateCall(string Space, string Source, string Target, AssociationType Type, float Strength, string Reason);
