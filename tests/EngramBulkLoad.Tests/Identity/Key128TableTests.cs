using EngramBulkLoad.Identity;

namespace EngramBulkLoad.Tests.Identity;

public sealed class Key128TableTests
{
    [Fact]
    public void RandomAddsAndRemoves_AgreeWithAHashSetThroughManyGrowths()
    {
        var table = new Key128Table();
        var model = new HashSet<UInt128>();
        var random = new Random(20261124);
        // A small key space makes repeats and removals of present keys common; zero is one of the keys.
        for (var step = 0; step < 200_000; step++)
        {
            var key = (UInt128)(ulong)random.Next(0, 50_000) << (random.Next(2) * 64);
            switch (random.Next(4))
            {
                case 0:
                    Assert.Equal(model.Remove(key), table.Remove(key));
                    break;
                default:
                    Assert.Equal(model.Add(key), table.Add(key));
                    break;
            }
        }

        Assert.Equal(model.Count, table.Count);
        Assert.All(model, key => Assert.True(table.Contains(key)));
        for (var probe = 0; probe < 10_000; probe++)
        {
            var key = new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64());
            Assert.Equal(model.Contains(key), table.Contains(key));
        }
    }

    [Fact]
    public void Remove_InTheMiddleOfAProbeRun_LeavesTheRestOfTheRunReachable()
    {
        var table = new Key128Table();
        // Sequential keys, as hand-made ids in the tool's spelling would be; remove every third.
        var keys = Enumerable.Range(1, 5_000).Select(i => (UInt128)(ulong)i).ToList();
        keys.ForEach(key => table.Add(key));

        foreach (var key in keys.Where((_, i) => i % 3 == 0))
        {
            Assert.True(table.Remove(key));
            Assert.False(table.Remove(key));
        }

        Assert.All(keys.Select((key, i) => (key, i)), item => Assert.Equal(item.i % 3 != 0, table.Contains(item.key)));
        Assert.Equal(keys.Count - ((keys.Count + 2) / 3), table.Count);
    }

    [Fact]
    public void Zero_IsAKeyLikeAnyOther()
    {
        var table = new Key128Table();

        Assert.False(table.Contains(UInt128.Zero));
        Assert.True(table.Add(UInt128.Zero));
        Assert.False(table.Add(UInt128.Zero));
        Assert.Equal(1, table.Count);
        Assert.True(table.Remove(UInt128.Zero));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Capacity_AMillionKeys_IsTwoMillionSlotsAtMost32MB()
    {
        var table = new Key128Table();
        var random = new Random(7);
        while (table.Count < 1_000_000)
        {
            table.Add(new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()));
        }

        // At most three quarters full: 1,000,000 keys need more than 1,048,576 * 0.75 slots, so 2^21.
        Assert.Equal(1 << 21, table.Capacity);
    }
}
