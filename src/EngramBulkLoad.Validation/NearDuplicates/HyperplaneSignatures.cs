using System.Numerics;

namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// Random-hyperplane signatures (SimHash): bit i is the side of hyperplane i a vector lies on, so two
/// vectors at angle theta differ in a bit with probability theta/pi. The hyperplanes are the rows of
/// H·D2·H·D1 (H a Walsh-Hadamard matrix, D random signs), applied with the fast transform: 2·P·log2(P)
/// additions give P bits (P = dimension padded to a power of two), instead of P·dimension multiplications
/// for dense Gaussian hyperplanes. Each row is a random ±1 direction, which for embeddings (dense, or
/// sparse with dozens of non-zeros) behaves like a Gaussian one. More bits than P use further transforms
/// with their own signs.
/// </summary>
internal sealed class HyperplaneSignatures
{
    private readonly int _dimension;
    private readonly int _padded;
    private readonly float[][] _firstSigns;
    private readonly float[][] _secondSigns;

    public HyperplaneSignatures(int dimension, int bitsNeeded, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        _dimension = dimension;
        _padded = Math.Max(64, (int)BitOperations.RoundUpToPowerOf2((uint)dimension));
        var transforms = (bitsNeeded + _padded - 1) / _padded;
        var random = new Random(seed);
        _firstSigns = [.. Enumerable.Range(0, transforms).Select(_ => Signs(random, _padded))];
        _secondSigns = [.. Enumerable.Range(0, transforms).Select(_ => Signs(random, _padded))];
        Words = transforms * _padded / 64;
    }

    /// <summary>64-bit words per signature.</summary>
    public int Words { get; }

    /// <summary>Bits per signature.</summary>
    public int Bits => Words * 64;

    /// <summary>Writes the signature of <paramref name="vector"/> (of the dimension given at construction).</summary>
    public void Compute(ReadOnlySpan<float> vector, Span<ulong> signature, Span<float> scratch)
    {
        signature.Clear();
        for (var t = 0; t < _firstSigns.Length; t++)
        {
            var work = scratch[.._padded];
            work.Clear();
            for (var i = 0; i < _dimension; i++)
            {
                work[i] = vector[i] * _firstSigns[t][i];
            }

            Hadamard(work);
            for (var i = 0; i < _padded; i++)
            {
                work[i] *= _secondSigns[t][i];
            }

            Hadamard(work);
            var offset = t * _padded;
            for (var i = 0; i < _padded; i++)
            {
                if (work[i] < 0)
                {
                    var bit = offset + i;
                    signature[bit >> 6] |= 1UL << (bit & 63);
                }
            }
        }
    }

    /// <summary>Bits [start, start + count) of a signature as a number (count at most 32).</summary>
    public static uint Slice(ReadOnlySpan<ulong> signature, int start, int count)
    {
        var word = start >> 6;
        var offset = start & 63;
        var value = signature[word] >> offset;
        if (offset + count > 64)
        {
            value |= signature[word + 1] << (64 - offset);
        }

        return (uint)(value & ((1UL << count) - 1));
    }

    /// <summary>Bits in which two signatures differ.</summary>
    public static int Hamming(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        var distance = 0;
        for (var i = 0; i < a.Length; i++)
        {
            distance += BitOperations.PopCount(a[i] ^ b[i]);
        }

        return distance;
    }

    private static float[] Signs(Random random, int length)
        => [.. Enumerable.Range(0, length).Select(_ => random.Next(2) == 0 ? 1f : -1f)];

    /// <summary>The unnormalized fast Walsh-Hadamard transform, in place (length a power of two); scale does not change signs.</summary>
    private static void Hadamard(Span<float> values)
    {
        for (var half = 1; half < values.Length; half <<= 1)
        {
            for (var block = 0; block < values.Length; block += half << 1)
            {
                for (var i = block; i < block + half; i++)
                {
                    var a = values[i];
                    var b = values[i + half];
                    values[i] = a + b;
                    values[i + half] = a - b;
                }
            }
        }
    }
}
