namespace EngramBulkLoad.Loading;

/// <summary>What a rollback removed.</summary>
/// <param name="MigrationId">The migration rolled back.</param>
/// <param name="MemoryIds">Memory ids the snapshot holds for loaded or partly loaded parts (each was sent a Forget).</param>
/// <param name="Removed">Memories Engram reported removed.</param>
/// <param name="NotFound">Ids Engram did not hold (rejected at load, never sent, removed before, or deduplicated away).</param>
/// <param name="PartsReset">Parts set back to Embedded, so that a later load writes them again.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record RollbackReport(string MigrationId, long MemoryIds, long Removed, long NotFound, int PartsReset, TimeSpan Elapsed);
