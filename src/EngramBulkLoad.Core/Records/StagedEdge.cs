namespace EngramBulkLoad.Records;

/// <summary>
/// A relationship between two staged records (a foreign key, a graph edge, a document reference);
/// it becomes an Engram association once both ends are loaded. Written to <c>edges/</c> part files.
/// </summary>
/// <param name="EdgeId">Deterministic id of the edge (from, to, relation), so re-runs stage it once.</param>
/// <param name="Source">The source's name in the job config.</param>
/// <param name="FromMemoryId">Memory id of the record the edge starts at.</param>
/// <param name="ToMemoryId">Memory id of the record the edge points to.</param>
/// <param name="Relation">The source's relationship type (foreign key name, Neo4j type, ...).</param>
/// <param name="Weight">The source's weight, if any; the loader clamps it to [0, 1] and defaults it.</param>
/// <param name="FromDescription">Human-readable origin (collection and key), for reject messages.</param>
/// <param name="ToDescription">Human-readable target (collection and key), for reject messages.</param>
public sealed record StagedEdge(
    string EdgeId,
    string Source,
    string FromMemoryId,
    string ToMemoryId,
    string Relation,
    double? Weight,
    string FromDescription,
    string ToDescription);
