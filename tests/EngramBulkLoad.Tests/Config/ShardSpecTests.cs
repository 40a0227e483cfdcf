using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Tests.Config;

public sealed class ShardSpecTests
{
    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("2/3", 2, 3)]
    [InlineData(" 7 / 8 ", 7, 8)]
    public void Parse_IndexOverCount_ReadsBoth(string text, int index, int count)
    {
        var shard = ShardSpec.Parse(text);

        Assert.Equal((index, count), (shard.Index, shard.Count));
        Assert.Equal($"{index}/{count}", shard.ToString());
    }

    [Theory]
    [InlineData("3/3", "shard index 3 is outside 0..2")]
    [InlineData("-1/3", "shard index -1 is outside 0..2")]
    [InlineData("0/0", "shard count 0 is not possible")]
    [InlineData("1", "'1' is not a shard")]
    [InlineData("a/b", "'a/b' is not a shard")]
    [InlineData("1/2/3", "'1/2/3' is not a shard")]
    public void Parse_Invalid_SaysWhatIsWrong(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ShardSpec.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("--shard", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_IndexedJobIndexAndCount_GivesTheShard()
    {
        var shard = ShardSpec.FromEnvironment(Variables(("JOB_COMPLETION_INDEX", "3"), ("EBL_SHARD_COUNT", "4")));

        Assert.Equal(new ShardSpec(3, 4), shard);
    }

    [Fact]
    public void FromEnvironment_NeitherSet_IsNull()
        => Assert.Null(ShardSpec.FromEnvironment(Variables()));

    [Fact]
    public void FromEnvironment_IndexWithoutCount_IsRefused()
    {
        var error = Assert.Throws<ConfigException>(() => ShardSpec.FromEnvironment(Variables(("JOB_COMPLETION_INDEX", "1"))));

        Assert.Contains("EBL_SHARD_COUNT", error.Message, StringComparison.Ordinal);
        Assert.Contains("shard count is unknown", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_IndexBeyondCount_IsRefused()
    {
        var error = Assert.Throws<ConfigException>(() => ShardSpec.FromEnvironment(Variables(("JOB_COMPLETION_INDEX", "4"), ("EBL_SHARD_COUNT", "4"))));

        Assert.Contains("shard index 4 is outside 0..3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("42", 0)]
    [InlineData("Zürich", 2)]
    [InlineData("[\"acme\",\"7\"]", 1)]
    [InlineData("", 2)]
    public void Includes_KnownKeys_PinnedToTheSha256Bucket(string key, int bucket)
    {
        // Buckets computed independently (Python hashlib): the split must never change between versions,
        // or shards of one migration run by two builds would overlap.
        Assert.Equal([bucket], Enumerable.Range(0, 3).Where(i => new ShardSpec(i, 3).Includes(key)));
    }

    [Fact]
    public void Includes_ManyKeys_EachInExactlyOneShardAndEvenlySpread()
    {
        var keys = Enumerable.Range(0, 30_000).Select(i => $"key-{i}").ToList();

        var sizes = Enumerable.Range(0, 4).Select(i => keys.Count(key => new ShardSpec(i, 4).Includes(key))).ToList();

        Assert.Equal(keys.Count, sizes.Sum());
        Assert.All(keys.Take(500), key => Assert.Single(Enumerable.Range(0, 4), i => new ShardSpec(i, 4).Includes(key)));
        Assert.All(sizes, size => Assert.InRange(size, 7_000, 8_000));
    }

    private static Func<string, string?> Variables(params (string Name, string Value)[] values)
        => name => values.FirstOrDefault(v => v.Name == name).Value;
}
