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
        var byteCount = Encoding.UTF8.GetByteCount(content);
        var rented = byteCount <= 4096 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            Span<byte> bytes = rented is null ? stackalloc byte[byteCount] : rented.AsSpan(0, byteCount);
            Encoding.UTF8.GetBytes(content, bytes);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(bytes, hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
