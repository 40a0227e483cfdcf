using EngramBulkLoad.Records;

namespace EngramBulkLoad.Engram.Tests;

/// <summary>A NULL source value reaches Engram's string map as JSON null, not as an empty string (issue 12, section 6).</summary>
public sealed class MetadataNullTests
{
    [Fact]
    public void Map_NullAndEmptyFields_NullStaysNullEmptyStaysEmpty()
    {
        var mapper = new MemoryMapper(new EngramOptions().Validate(), "mig-null", DateTimeOffset.UnixEpoch);
        var record = TestSnapshot.Record("crm", "postgres", "people", "1", "Ada", metadataJson: "{\"nick\":null,\"title\":\"\",\"age\":36}");
        var vector = new StagedVector(record.MemoryId, record.ContentHash, "m", TestSnapshot.Vector(1), 3, false);

        var write = mapper.Map(record, vector, out var reject);

        Assert.Null(reject);
        var metadata = write!.Request.Memory.Metadata;
        Assert.Equal("null", metadata["nick"]);
        Assert.Equal(string.Empty, metadata["title"]);
        Assert.Equal("36", metadata["age"]);
    }
}
