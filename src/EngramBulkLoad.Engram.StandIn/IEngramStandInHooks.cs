using EngramBulkLoad.Engram.Protocol;
using Grpc.Core;

namespace EngramBulkLoad.Engram.StandIn;

/// <summary>
/// A seam into the stand-in's handling of each call, for a host that needs more than Engram does: the test
/// server records requests and injects faults through it. The stand-in itself has none of that; without hooks
/// every call is answered as Engram answers it.
/// </summary>
public interface IEngramStandInHooks
{
    /// <summary>
    /// Before a call is handled, after its key and space were checked (a stream: once, at its start). May delay,
    /// or throw an <see cref="RpcException"/> to fail the call.
    /// </summary>
    /// <param name="method">The RPC name, e.g. "StreamingRemember".</param>
    /// <param name="context">The call.</param>
    Task BeforeCallAsync(string method, ServerCallContext context);

    /// <summary>Before a Remember request is stored. May delay, or throw an <see cref="RpcException"/> to refuse it.</summary>
    /// <param name="request">The request.</param>
    /// <param name="sequence">Its 1-based position in its stream; null for a unary Remember.</param>
    /// <param name="context">The call.</param>
    Task BeforeRememberAsync(RememberRequest request, long? sequence, ServerCallContext context);

    /// <summary>After a Remember request was stored and before its response is sent. May throw an <see cref="RpcException"/> to end the call.</summary>
    /// <param name="space">The memory space it went to.</param>
    /// <param name="request">The request.</param>
    /// <param name="response">The response about to be sent.</param>
    /// <param name="sequence">Its 1-based position in its stream; null for a unary Remember.</param>
    /// <param name="context">The call.</param>
    void AfterRemember(string space, RememberRequest request, RememberResponse response, long? sequence, ServerCallContext context);

    /// <summary>After an Associate call was accepted and before its response is sent.</summary>
    /// <param name="space">The memory space.</param>
    /// <param name="request">The request.</param>
    /// <param name="response">The response about to be sent (its strength clamped).</param>
    void AfterAssociate(string space, AssociateRequest request, AssociateResponse response);

    /// <summary>Before an Introspect response is sent; may add metrics.</summary>
    /// <param name="response">The response.</param>
    void BeforeIntrospectResponse(IntrospectResponse response);
}

/// <summary>No hooks: every call answered as Engram answers it.</summary>
internal sealed class NoHooks : IEngramStandInHooks
{
    public static readonly NoHooks Instance = new();

    public Task BeforeCallAsync(string method, ServerCallContext context) => Task.CompletedTask;

    public Task BeforeRememberAsync(RememberRequest request, long? sequence, ServerCallContext context) => Task.CompletedTask;

    public void AfterRemember(string space, RememberRequest request, RememberResponse response, long? sequence, ServerCallContext context)
    {
    }

    public void AfterAssociate(string space, AssociateRequest request, AssociateResponse response)
    {
    }

    public void BeforeIntrospectResponse(IntrospectResponse response)
    {
    }
}
