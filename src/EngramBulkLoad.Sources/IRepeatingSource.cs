using EngramBulkLoad.Identity;

namespace EngramBulkLoad.Sources;

/// <summary>
/// A source whose read may return an item again after a resume, because its cursor cannot promise that
/// the items before it and after it are disjoint (Redis SCAN returns a key again when the keyspace is
/// rehashed). Before a resumed read, the extract stage hands it the memory ids of every record and reject
/// the collection's completed parts hold, so the source can skip them and no item is staged twice.
/// </summary>
public interface IRepeatingSource
{
    /// <summary>Called before <see cref="IRecordSource.ReadAsync"/> resumes <paramref name="collection"/>, with the ids already staged or rejected in this generation.</summary>
    void AlreadyRead(string collection, MemoryIdSet memoryIds);
}
