using System.Globalization;

namespace EngramBulkLoad.Loading;

/// <summary>
/// The memory ids Engram holds for this migration, kept as 128-bit numbers (the 32 hex digits after
/// "ebl_") rather than strings: about a fifth of the memory, so the set fits for tens of millions of records.
/// </summary>
internal sealed class LoadedIdSet
{
    private readonly HashSet<UInt128> _ids = [];
    private readonly HashSet<string> _other = new(StringComparer.Ordinal);

    public int Count => _ids.Count + _other.Count;

    public void Add(string memoryId)
    {
        if (TryParse(memoryId, out var value))
        {
            _ids.Add(value);
        }
        else
        {
            _other.Add(memoryId);
        }
    }

    public void Remove(string memoryId)
    {
        if (TryParse(memoryId, out var value))
        {
            _ids.Remove(value);
        }
        else
        {
            _other.Remove(memoryId);
        }
    }

    public bool Contains(string memoryId)
        => TryParse(memoryId, out var value) ? _ids.Contains(value) : _other.Contains(memoryId);

    private static bool TryParse(string memoryId, out UInt128 value)
    {
        const string Prefix = Identity.MemoryIdentity.MemoryPrefix;
        value = default;
        return memoryId.Length == Prefix.Length + 32
            && memoryId.StartsWith(Prefix, StringComparison.Ordinal)
            && UInt128.TryParse(memoryId.AsSpan(Prefix.Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
