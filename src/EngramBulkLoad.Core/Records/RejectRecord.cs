namespace EngramBulkLoad.Records;

/// <summary>
/// A record (or edge) that did not make it through a stage, with the reason. Nothing is dropped
/// silently: every record ends as loaded or as one of these. Written to <c>rejects/</c> part files.
/// </summary>
/// <param name="Stage">The stage that rejected it.</param>
/// <param name="Source">The source's name in the job config.</param>
/// <param name="Collection">Table, file, collection or index the record came from.</param>
/// <param name="Location">Where to find it in the source: "line 42", "key 17", "row 3".</param>
/// <param name="SourceKey">The record's key when it has one.</param>
/// <param name="MemoryId">The record's memory id when it has one.</param>
/// <param name="Code">A stable machine-readable reason, see <see cref="RejectCodes"/>.</param>
/// <param name="Message">What was expected, what was found, and how to fix it.</param>
public sealed record RejectRecord(
    PipelineStage Stage,
    string Source,
    string Collection,
    string Location,
    string? SourceKey,
    string? MemoryId,
    string Code,
    string Message);
