namespace EngramBulkLoad.Extraction;

/// <summary>What the extract stage did with one collection in this run and before it (resumed parts included).</summary>
/// <param name="Source">The source's name.</param>
/// <param name="Collection">The collection's name.</param>
/// <param name="SourceRows">Rows read from the source.</param>
/// <param name="Staged">Records staged.</param>
/// <param name="Rejected">Rows rejected, each with a reason.</param>
/// <param name="Edges">Edges staged.</param>
/// <param name="StandaloneEdges">Rows that were edges of their own (edges-file lines).</param>
/// <param name="Parts">Parts the collection has.</param>
public sealed record CollectionCounts(string Source, string Collection, long SourceRows, long Staged, long Rejected, long Edges, long StandaloneEdges, int Parts)
{
    /// <summary>True when every row read is accounted for: SourceRows = Staged + Rejected + StandaloneEdges.</summary>
    public bool Reconciles => SourceRows == Staged + Rejected + StandaloneEdges;
}
