using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Validation.Tests;

public sealed class CandidatePairsTests
{
    [Fact]
    public void Seal_RepeatedPairs_EachOnceInOrderOfSecondMember()
    {
        var pairs = Sealed(100, (3, 9), (1, 4), (3, 9), (2, 4), (0, 9));

        Assert.Equal([(1, 4), (2, 4), (0, 9), (3, 9)], Enumerable.Range(0, pairs.Count).Select(i => pairs[i]));
        Assert.False(pairs.Full);
    }

    [Fact]
    public void TryAdd_ManyRepeatsOfFewPairs_NeverFull()
    {
        var pairs = new CandidatePairs(10);

        // 10,000 additions of 5 pairs: repeats are dropped whenever the array fills, so it never counts as full.
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(pairs.TryAdd(i % 5, 100));
        }

        pairs.Seal();
        Assert.Equal(5, pairs.Count);
        Assert.False(pairs.Full);
    }

    [Fact]
    public void TryAdd_MoreDistinctPairsThanCapacity_FullAndHoldsCapacity()
    {
        var pairs = new CandidatePairs(1000);
        var refused = false;
        for (var second = 1; second <= 5000 && !refused; second++)
        {
            refused = !pairs.TryAdd(0, second);
        }

        pairs.Seal();

        Assert.True(refused);
        Assert.True(pairs.Full);
        Assert.Equal(1000, pairs.Count);
        Assert.False(pairs.TryAdd(0, 6000));
    }

    [Fact]
    public void Seal_ExactlyCapacityDistinctPairs_Full()
    {
        var pairs = Sealed(3, (0, 1), (0, 2), (1, 2));

        Assert.True(pairs.Full);
        Assert.Equal(3, pairs.Count);
    }

    [Fact]
    public void TryAdd_SecondNotAfterFirst_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new CandidatePairs(10).TryAdd(4, 4));

    private static CandidatePairs Sealed(int capacity, params (int First, int Second)[] added)
    {
        var pairs = new CandidatePairs(capacity);
        foreach (var (first, second) in added)
        {
            pairs.TryAdd(first, second);
        }

        pairs.Seal();
        return pairs;
    }
}
