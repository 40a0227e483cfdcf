using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EngramBulkLoad.Validation;

/// <summary>
/// 128-bit keys for memory ids and content hashes, so sets over a million records hold 16 bytes per
/// entry instead of a string each. This tool's ids (<c>ebl_</c> + 32 hex) and content hashes (64 hex)
/// are parsed; anything else is hashed, which keeps foreign or hand-edited values distinct in practice.
/// </summary>
internal static class CompactKeys
{
    public static UInt128 OfMemoryId(string memoryId)
        => Identity.MemoryIdentity.TryGetKey(memoryId, out var key) ? key : Hashed(memoryId);

    public static UInt128 OfContentHash(string contentHash)
        => contentHash.Length >= 32 && UInt128.TryParse(contentHash.AsSpan(0, 32), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var key)
            ? key
            : Hashed(contentHash);

    private static UInt128 Hashed(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return new UInt128(BitConverter.ToUInt64(hash), BitConverter.ToUInt64(hash[8..]));
    }
}
