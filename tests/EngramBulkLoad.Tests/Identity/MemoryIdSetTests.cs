using EngramBulkLoad.Identity;

namespace EngramBulkLoad.Tests.Identity;

public sealed class MemoryIdSetTests
{
    [Fact]
    public void Add_SameIdTwice_SecondIsRefusedAndCountedOnce()
    {
        var ids = new MemoryIdSet();
        var id = MemoryIdentity.ForRecord("jsonl", "docs", "docs", "1");

        Assert.True(ids.Add(id));
        Assert.False(ids.Add(id));
        Assert.Equal(1, ids.Count);
        Assert.True(ids.Contains(id));
    }

    [Fact]
    public void Add_UppercaseSpellingOfAnId_IsADifferentId()
    {
        var ids = new MemoryIdSet();
        var id = MemoryIdentity.ForRecord("jsonl", "docs", "docs", "1");
        var upper = "ebl_" + id[4..].ToUpperInvariant();

        ids.Add(id);

        Assert.False(ids.Contains(upper));
        Assert.True(ids.Add(upper));
        Assert.Equal(2, ids.Count);
    }

    [Theory]
    [InlineData("hand-made")]
    [InlineData("ebl_0123")]
    [InlineData("ebl_0123456789abcdef0123456789abcdeg")]
    [InlineData("ebe_0123456789abcdef0123456789abcdef")]
    public void AddRemove_IdsNotWrittenByThisTool_KeptExactly(string id)
    {
        var ids = new MemoryIdSet();

        Assert.True(ids.Add(id));
        Assert.True(ids.Contains(id));
        Assert.False(ids.Contains(id + "x"));
        Assert.True(ids.Remove(id));
        Assert.False(ids.Contains(id));
        Assert.Equal(0, ids.Count);
    }

    [Fact]
    public void TryGetKey_ToolId_IsItsHexDigits()
    {
        Assert.True(MemoryIdentity.TryGetKey("ebl_000000000000000000000000000000ff", out var key));
        Assert.Equal((UInt128)255, key);
        Assert.False(MemoryIdentity.TryGetKey("ebl_000000000000000000000000000000FF", out _));
    }
}
