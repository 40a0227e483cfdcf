using System.Security.Cryptography;

namespace EngramBulkLoad.Identity;

/// <summary>
/// SHA-256 with one reusable hash object per thread. Every staged row is hashed twice (id and content);
/// the one-shot API creates and frees an OpenSSL context per call, which on short inputs cost as much as the hashing.
/// </summary>
internal static class ThreadSha256
{
    [ThreadStatic]
    private static IncrementalHash? t_hash;

    /// <summary>Writes the 32-byte SHA-256 of <paramref name="data"/> to <paramref name="destination"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var hash = t_hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(data);
        hash.GetHashAndReset(destination);
    }
}
