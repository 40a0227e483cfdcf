using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources;

/// <summary>
/// One item read from a source: a record (with the edges it implies), a reject, or a stand-alone edge
/// (a line of an edges file). Exactly one source row becomes exactly one item, which is how counts reconcile.
/// </summary>
public sealed class SourceItem
{
    private SourceItem(SourcePosition position, StagedRecord? record, RejectRecord? reject, IReadOnlyList<StagedEdge> edges, bool standaloneEdge)
    {
        Position = position;
        Record = record;
        Reject = reject;
        Edges = edges;
        IsStandaloneEdge = standaloneEdge;
    }

    /// <summary>Where the item is, and the cursor to resume after it.</summary>
    public SourcePosition Position { get; }

    /// <summary>The staged record, when the row mapped cleanly.</summary>
    public StagedRecord? Record { get; }

    /// <summary>The reject, when the row could not be mapped.</summary>
    public RejectRecord? Reject { get; }

    /// <summary>Edges from this record (foreign keys), or the one edge of an edges-file line.</summary>
    public IReadOnlyList<StagedEdge> Edges { get; }

    /// <summary>True when the row was an edge of its own (an edges-file line), not a record.</summary>
    public bool IsStandaloneEdge { get; }

    /// <summary>
    /// What the mapping could not keep as the source had it, for a record that is still staged (e.g. an
    /// infinite timestamp: no time on the memory). The extract stage reports these per collection.
    /// </summary>
    public string? Note { get; internal set; }

    /// <summary>A record and the edges it implies.</summary>
    public static SourceItem ForRecord(SourcePosition position, StagedRecord record, IReadOnlyList<StagedEdge> edges)
        => new(position, record, null, edges, standaloneEdge: false);

    /// <summary>A row that became a reject.</summary>
    public static SourceItem ForReject(SourcePosition position, RejectRecord reject)
        => new(position, null, reject, [], standaloneEdge: false);

    /// <summary>A row that is an edge of its own.</summary>
    public static SourceItem ForEdge(SourcePosition position, StagedEdge edge)
        => new(position, null, null, [edge], standaloneEdge: true);
}
