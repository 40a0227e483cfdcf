using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace EngramBulkLoad.Identity;

/// <summary>Hex SHA-256 of a record's content; with the model id it keys a vector.</summary>
public static class ContentHash
{
    /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes of <paramref name="content"/>.</summary>
    public static string Of(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        // Encoded once into a pooled buffer sized for the worst case: counting the bytes first would read the text twice.
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(content.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(content, buffer);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            ThreadSha256.Hash(buffer.AsSpan(0, length), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
