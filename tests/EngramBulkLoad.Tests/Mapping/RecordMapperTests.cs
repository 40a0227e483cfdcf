using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Sources;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Tests.Mapping;

public sealed class RecordMapperTests
{
    private static readonly string[] Names = ["id", "title", "body", "updated", "secret", "account_id", "photo"];

    private static RecordMapper Mapper(int maxBytes = 1 << 20) => new("postgres", "crm", "customers", new MappingOptions
    {
        Key = ["id"],
        Text = ["title", "body"],
        Timestamp = "updated",
        MetadataExclude = ["secret"],
        References = [new ReferenceMapping { Fields = ["account_id"], Collection = "accounts", Relation = "belongs_to", Weight = 0.7 }],
        MaxContentBytes = maxBytes,
    });

    private static FieldRow Row(params object?[] values) => new(Names, FieldRow.IndexOf(Names), values);

    [Fact]
    public void Map_CleanRow_StagesRecordWithMetadataAndEdge()
    {
        var item = Mapper().Map(Row(7, "Title", "Body", new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc), "pw", 3, new byte[] { 1, 2 }), SourcePosition.Of("c", "key 7"));

        var record = Assert.IsType<StagedRecord>(item.Record);
        Assert.Equal(MemoryIdentity.ForRecord("postgres", "crm", "customers", "7"), record.MemoryId);
        Assert.Equal("Title\n\nBody", record.Content);
        Assert.Equal(ContentHash.Of("Title\n\nBody"), record.ContentHash);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), record.Timestamp);
        Assert.Equal("""{"id":7,"updated":"2024-05-01T10:00:00.0000000Z","account_id":3,"photo":"base64:AQI="}""", record.MetadataJson);
        var edge = Assert.Single(item.Edges);
        Assert.Equal(MemoryIdentity.ForRecord("postgres", "crm", "accounts", "3"), edge.ToMemoryId);
        Assert.Equal("belongs_to", edge.Relation);
        Assert.Equal(0.7, edge.Weight);
    }

    [Fact]
    public void Map_NullForeignKey_NoEdge()
        => Assert.Empty(Mapper().Map(Row(7, "Title", "Body", null, null, null, null), SourcePosition.Of("c", "key 7")).Edges);

    [Fact]
    public void Map_NullKey_RejectsWithMissingKey()
    {
        var reject = Mapper().Map(Row(null, "Title", "Body", null, null, null, null), SourcePosition.Of("c", "row 1")).Reject;

        Assert.NotNull(reject);
        Assert.Equal(RejectCodes.MissingKey, reject.Code);
        Assert.Contains("'id' is NULL", reject.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "   ")]
    public void Map_EmptyText_RejectsWithEmptyText(string? title, string? body)
    {
        var reject = Mapper().Map(Row(1, title, body, null, null, null, null), SourcePosition.Of("c", "key 1")).Reject;

        Assert.Equal(RejectCodes.EmptyText, reject?.Code);
        Assert.Equal("1", reject?.SourceKey);
        Assert.Equal("key 1", reject?.Location);
    }

    [Fact]
    public void Map_TextOverLimit_RejectsWithSizes()
    {
        var reject = Mapper(maxBytes: 10).Map(Row(1, "a title that is long", null, null, null, null, null), SourcePosition.Of("c", "key 1")).Reject;

        Assert.Equal(RejectCodes.TextTooLarge, reject?.Code);
        Assert.Contains("20 bytes; the limit is 10", reject?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_BinaryTextField_RejectsWithUnsupportedType()
    {
        var reject = Mapper().Map(Row(1, new byte[] { 0xFF }, "Body", null, null, null, null), SourcePosition.Of("c", "key 1")).Reject;

        Assert.Equal(RejectCodes.UnsupportedType, reject?.Code);
        Assert.Contains("'title'", reject?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_UnparseableTimestamp_RejectsWithMalformed()
    {
        var reject = Mapper().Map(Row(1, "T", "B", "yesterday-ish", null, null, null), SourcePosition.Of("c", "key 1")).Reject;

        Assert.Equal(RejectCodes.Malformed, reject?.Code);
        Assert.Contains("yesterday-ish", reject?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_LargeBinaryMetadata_SummarisedNotCopied()
    {
        var record = Mapper().Map(Row(1, "T", "B", null, null, null, new byte[5000]), SourcePosition.Of("c", "key 1")).Record;

        Assert.Contains("binary: 5000 bytes, sha256", record?.MetadataJson, StringComparison.Ordinal);
    }
}
