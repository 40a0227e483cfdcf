namespace EngramBulkLoad.Identity;

/// <summary>
/// A set of memory ids that holds this tool's ids (<c>ebl_</c> and 32 lowercase hex digits) as 128-bit
/// numbers in a flat table (<see cref="Key128Table"/>: 21 to 43 bytes an id, against 124 for a set of the
/// strings). Other ids (hand-made, or another spelling of the hex) are kept as strings, so the set stays exact
/// for any id.
/// </summary>
public sealed class MemoryIdSet
{
    private readonly Key128Table _ids = new();
    private readonly HashSet<string> _other = new(StringComparer.Ordinal);

    /// <summary>Ids in the set.</summary>
    public int Count => _ids.Count + _other.Count;

    /// <summary>Adds an id; false when it was in the set already.</summary>
    public bool Add(string memoryId)
        => MemoryIdentity.TryGetKey(memoryId, out var key) ? _ids.Add(key) : _other.Add(memoryId);

    /// <summary>Removes an id; false when it was not in the set.</summary>
    public bool Remove(string memoryId)
        => MemoryIdentity.TryGetKey(memoryId, out var key) ? _ids.Remove(key) : _other.Remove(memoryId);

    /// <summary>True when the id is in the set.</summary>
    public bool Contains(string memoryId)
        => MemoryIdentity.TryGetKey(memoryId, out var key) ? _ids.Contains(key) : _other.Contains(memoryId);
}
