using EngramBulkLoad.Identity;

namespace EngramBulkLoad.Tests.Identity;

public sealed class MemoryIdentityTests
{
    [Fact]
    public void ForRecord_SameIdentity_SameId()
    {
        var first = MemoryIdentity.ForRecord("postgres", "crm", "public.customers", "42");
        var second = MemoryIdentity.ForRecord("postgres", "crm", "public.customers", "42");

        Assert.Equal(first, second);
        Assert.Matches("^ebl_[0-9a-f]{32}$", first);
    }

    [Theory]
    [InlineData("jsonl", "crm", "public.customers", "42")]
    [InlineData("postgres", "erp", "public.customers", "42")]
    [InlineData("postgres", "crm", "public.orders", "42")]
    [InlineData("postgres", "crm", "public.customers", "43")]
    public void ForRecord_AnyPartDiffers_IdDiffers(string kind, string source, string collection, string key)
        => Assert.NotEqual(MemoryIdentity.ForRecord("postgres", "crm", "public.customers", "42"), MemoryIdentity.ForRecord(kind, source, collection, key));

    [Fact]
    public void ForRecord_BoundaryShifted_IdDiffers()
        => Assert.NotEqual(MemoryIdentity.ForRecord("k", "ab", "c", "1"), MemoryIdentity.ForRecord("k", "a", "bc", "1"));

    [Fact]
    public void SourceKeyFormat_CompositeWithNull_IsNull()
        => Assert.Null(SourceKey.Format(new object?[] { 1, null }));

    [Fact]
    public void SourceKeyFormat_Composite_IsJsonArrayOfInvariantText()
        => Assert.Equal("""["7","a\"b","1.5"]""", SourceKey.Format(new object?[] { 7L, "a\"b", 1.5m }));

    [Fact]
    public void ContentHashOf_LargeAndSmallText_IsSha256Hex()
    {
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", ContentHash.Of("hello"));
        Assert.Equal(64, ContentHash.Of(new string('x', 100_000)).Length);
    }
}
