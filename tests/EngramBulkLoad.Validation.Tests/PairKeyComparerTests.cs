using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Validation.Tests;

public sealed class PairKeyComparerTests
{
    [Fact]
    public void GetHashCode_NeighbourPairsOfADenseCluster_SpreadOverDistinctHashes()
    {
        // The pairs a dense bucket produces: each index with its next 16.
        var pairs = Enumerable.Range(0, 5_000).SelectMany(first => Enumerable.Range(first + 1, 16).Select(second => ((long)first << 32) | (uint)second)).ToList();

        var mixed = pairs.Select(PairKeyComparer.Instance.GetHashCode).Distinct().Count();
        var xored = pairs.Select(pair => pair.GetHashCode()).Distinct().Count();

        Assert.True(mixed > pairs.Count * 0.99, $"{mixed} distinct hashes for {pairs.Count} pairs");
        Assert.True(xored < pairs.Count / 100, $"the default hash was expected to collide; it gave {xored} distinct hashes");
        Assert.True(PairKeyComparer.Instance.Equals(pairs[7], pairs[7]));
        Assert.False(PairKeyComparer.Instance.Equals(pairs[7], pairs[8]));
    }
}
