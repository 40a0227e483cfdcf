using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Engram.StandIn;

namespace EngramBulkLoad.Engram.TestServer;

/// <summary>
/// What the test server holds (the stand-in's store: Engram's rules) and what only tests look at: the
/// requests it received (Engram keeps neither the requests nor the Associate calls).
/// </summary>
public sealed class EngramTestStore
{
    private readonly EngramStandInStore _memory;
    private readonly RequestLog _log;

    internal EngramTestStore(EngramStandInStore memory, RequestLog log)
    {
        _memory = memory;
        _log = log;
    }

    /// <summary>Remember requests received (streamed and unary), including ones Engram's rules refused.</summary>
    public long RecordsReceived => _memory.RecordsReceived;

    /// <summary>Remember requests for an id the space held already (Engram skips it when the embedding is unchanged).</summary>
    public long Upserts => _memory.Upserts;

    /// <summary>Memories skipped, or that replaced another id, because a near-duplicate was held.</summary>
    public long Deduplicated => _memory.Deduplicated;

    /// <summary>StreamingRemember calls opened.</summary>
    public long Streams => _memory.Streams;

    /// <summary>Unary Remember calls.</summary>
    public long UnaryRemembers => _memory.UnaryRemembers;

    /// <summary>Forget calls.</summary>
    public long Forgets => _memory.Forgets;

    /// <summary>Introspect calls.</summary>
    public long Introspects => _memory.Introspects;

    /// <summary>Associate calls received, in order. Engram stores nothing for them; this is the test's log.</summary>
    public IReadOnlyList<AssociateCall> AssociateCalls => _log.AssociateCalls;

    /// <summary>Remember requests per memory id, for tests that bound re-sends.</summary>
    public IReadOnlyDictionary<string, int> RequestsPerId => _log.RequestsPerId;

    /// <summary>The memories a space holds (Engram's hot memories: what its count counts and Forget removes).</summary>
    public IReadOnlyList<StoredMemory> Memories(string space) => _memory.Memories(space);

    /// <summary>Engram's memory count of a space (store.rs, count).</summary>
    public long Count(string space) => _memory.Count(space);

    /// <summary>One memory the space holds, or null.</summary>
    public StoredMemory? Find(string space, string id) => _memory.Find(space, id);

    /// <summary>All memories held, every space.</summary>
    public IReadOnlyList<StoredMemory> All() => _memory.All();

    /// <summary>The last Remember request that carried <paramref name="id"/> (what the wire carried; Engram keeps less), or null.</summary>
    public RememberRequest? LastRequest(string id) => _log.LastRequest(id);

    /// <summary>How many Remember requests carried <paramref name="id"/>.</summary>
    public int RequestsFor(string id) => _log.RequestsFor(id);

    /// <summary>Puts a memory in directly (to arrange a test), as if another tool had written it.</summary>
    public void Seed(StoredMemory memory) => _memory.Seed(memory);

    /// <summary>Makes the space lose a memory everywhere, as no RPC can (Engram losing data); true when it was held.</summary>
    public bool Lose(string space, string id) => _memory.Lose(space, id);

}
