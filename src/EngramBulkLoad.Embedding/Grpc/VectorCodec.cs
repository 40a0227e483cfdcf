using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EngramBulkLoad.Embedding.Protocol;
using Google.Protobuf;

namespace EngramBulkLoad.Embedding.Grpc;

/// <summary>Puts vectors into and takes them out of <see cref="Protocol.Embedding"/> messages.</summary>
public static class VectorCodec
{
    /// <summary>Fills the vector field that <paramref name="encoding"/> names.</summary>
    public static void Write(Protocol.Embedding message, ReadOnlySpan<float> vector, VectorEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (encoding == VectorEncoding.RepeatedFloat)
        {
            message.Values.AddRange(vector.ToArray());
            return;
        }

        // The array is fresh and never touched again, so wrapping it instead of copying is safe.
        message.Packed = UnsafeByteOperations.UnsafeWrap(ToLittleEndianBytes(vector));
    }

    /// <summary>Reads the vector from whichever field is set; returns null when neither is.</summary>
    public static float[]? Read(Protocol.Embedding message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.Packed.IsEmpty)
        {
            var bytes = message.Packed.Span;
            if (bytes.Length % sizeof(float) != 0)
            {
                return null;
            }

            var vector = new float[bytes.Length / sizeof(float)];
            if (BitConverter.IsLittleEndian)
            {
                bytes.CopyTo(MemoryMarshal.AsBytes(vector.AsSpan()));
            }
            else
            {
                for (var i = 0; i < vector.Length; i++)
                {
                    vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
                }
            }

            return vector;
        }

        return message.Values.Count > 0 ? [.. message.Values] : null;
    }

    private static byte[] ToLittleEndianBytes(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vector).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
            }
        }

        return bytes;
    }
}
