using System.Collections.Concurrent;
using EngramBulkLoad.Engram.Protocol;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>The requests the test server received, for tests that check what was sent. Engram keeps none of this.</summary>
internal sealed class RequestLog(bool keepRequests)
{
    private readonly ConcurrentQueue<AssociateCall> _associateCalls = new();
    private readonly ConcurrentDictionary<string, RememberRequest> _lastRequests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requestsPerId = new(StringComparer.Ordinal);

    public IReadOnlyList<AssociateCall> AssociateCalls => [.. _associateCalls];

    public IReadOnlyDictionary<string, int> RequestsPerId => _requestsPerId;

    public RememberRequest? LastRequest(string id) => _lastRequests.GetValueOrDefault(id);

    public int RequestsFor(string id) => _requestsPerId.GetValueOrDefault(id);

    /// <summary>A Remember request Engram's rules accepted (the stand-in parsed and stored it); kept only with KeepRequests.</summary>
    public void Remembered(RememberRequest request, string memoryId)
    {
        if (keepRequests)
        {
            _lastRequests[memoryId] = request;
            _requestsPerId.AddOrUpdate(memoryId, 1, static (_, count) => count + 1);
        }
    }

    public void Associated(string space, AssociateRequest request, float strength)
        => _associateCalls.Enqueue(new AssociateCall(space, request.SourceMemory, request.TargetMemory, request.AssociationType, strength, request.Reason));
}
