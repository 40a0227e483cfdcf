namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// Hashing for pairs packed into a long (one index in each half). The default hash of a long is its two
/// halves XORed, and the pairs found here join neighbours (i, i+1..i+16 in a bucket's order), so it sent
/// most pairs of a dense cluster to a handful of buckets and made every lookup linear: the validation of
/// 20,000 near-identical vectors ran for minutes. A multiplicative mix spreads them.
/// </summary>
internal sealed class PairKeyComparer : IEqualityComparer<long>
{
    public static readonly PairKeyComparer Instance = new();

    public bool Equals(long x, long y) => x == y;

    public int GetHashCode(long obj) => (int)(((ulong)obj * 0x9E3779B97F4A7C15UL) >> 32);
}
