using EngramBulkLoad.Identity;

namespace EngramBulkLoad.Loading;

/// <summary>
/// The memory ids Engram holds for this migration, this tool's ids as 128-bit numbers (see
/// <see cref="MemoryIdSet"/>), so the set fits for tens of millions of records (21 to 43 MB per million).
/// </summary>
internal sealed class LoadedIdSet
{
    private readonly MemoryIdSet _ids = new();

    public int Count => _ids.Count;

    public void Add(string memoryId) => _ids.Add(memoryId);

    public void Remove(string memoryId) => _ids.Remove(memoryId);

    public bool Contains(string memoryId) => _ids.Contains(memoryId);
}
