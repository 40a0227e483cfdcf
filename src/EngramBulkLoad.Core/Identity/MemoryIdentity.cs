using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EngramBulkLoad.Identity;

/// <summary>
/// Deterministic ids. A memory id depends only on the record's source identity (kind, source name,
/// collection, key), never on the run, so re-running any stage or the whole job creates nothing new.
/// </summary>
public static class MemoryIdentity
{
    /// <summary>Prefix of every memory id this tool writes, so its memories are recognisable in Engram.</summary>
    public const string MemoryPrefix = "ebl_";

    /// <summary>Prefix of every edge id.</summary>
    public const string EdgePrefix = "ebe_";

    /// <summary>
    /// The memory id of a source record: <c>ebl_</c> and 32 hex digits (128 bits of SHA-256 over the
    /// identity fields, separated by a byte that cannot occur in them).
    /// </summary>
    public static string ForRecord(string sourceKind, string sourceName, string collection, string sourceKey)
        => Id(MemoryPrefix, sourceKind, sourceName, collection, sourceKey);

    /// <summary>The id of an edge: the same (from, to, relation) always gives the same id.</summary>
    public static string ForEdge(string fromMemoryId, string toMemoryId, string relation)
        => Id(EdgePrefix, fromMemoryId, toMemoryId, relation);

    /// <summary>
    /// The 128 bits of an id this tool wrote (<c>ebl_</c> and 32 lowercase hex digits), so that sets over
    /// millions of ids hold a number each instead of a string. False for any other id, including one with
    /// uppercase digits: Engram compares ids as strings, so only the spelling written here maps to a number.
    /// </summary>
    public static bool TryGetKey(string memoryId, out UInt128 key)
    {
        ArgumentNullException.ThrowIfNull(memoryId);
        key = default;
        if (memoryId.Length != MemoryPrefix.Length + 32 || !memoryId.StartsWith(MemoryPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var hex = memoryId.AsSpan(MemoryPrefix.Length);
        foreach (var digit in hex)
        {
            if (!char.IsAsciiHexDigitLower(digit))
            {
                return false;
            }
        }

        return UInt128.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out key);
    }

    /// <summary>The prefix and 32 hex digits of 128 bits of SHA-256 over the parts, as one string.</summary>
    private static string Id(string prefix, params ReadOnlySpan<string> parts)
    {
        var length = 0;
        foreach (var part in parts)
        {
            length += Encoding.UTF8.GetByteCount(part) + 1;
        }

        var buffer = length <= 1024 ? stackalloc byte[length] : new byte[length];
        var offset = 0;
        foreach (var part in parts)
        {
            offset += Encoding.UTF8.GetBytes(part, buffer[offset..]);
            // 0x1F (unit separator) never appears in UTF-8 of text that names a table or key value
            // in practice, and a part boundary must not be shiftable: ("ab","c") != ("a","bc").
            buffer[offset++] = 0x1F;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        ThreadSha256.Hash(buffer, hash);
        Span<char> hex = stackalloc char[32];
        Convert.TryToHexStringLower(hash[..16], hex, out _);
        return string.Concat(prefix, hex);
    }
}
