using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Parts;
using Parquet;
using Parquet.Schema;

namespace EngramBulkLoad.Tests.Snapshot;

public sealed class PartFileValidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenAsync_NotParquet_RefusesNamingFile()
    {
        using var temp = new TempFolder();
        var path = temp.File("part-00000.parquet");
        await File.WriteAllTextAsync(path, "id,text\n1,hello world, this is a csv file\n", Ct);

        var error = await Assert.ThrowsAsync<SnapshotException>(() => PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, path, null, Ct));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a Parquet file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_Truncated_RefusesAsTruncated()
    {
        using var temp = new TempFolder();
        var path = await WriteRecordsAsync(temp, "m1");
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)], Ct);

        var error = await Assert.ThrowsAsync<SnapshotException>(() => PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, path, null, Ct));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_ForeignParquet_RefusesAsNotOurs()
    {
        using var temp = new TempFolder();
        var path = temp.File("foreign.parquet");
        var field = new DataField<int>("x");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream, cancellationToken: Ct))
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync<int>(field, new[] { 1, 2, 3 }.AsMemory(), null, null, Ct);
        }

        var error = await Assert.ThrowsAsync<SnapshotException>(() => PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, path, null, Ct));

        Assert.Contains("not written by engram-bulkload", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_WrongKind_RefusesNamingBoth()
    {
        using var temp = new TempFolder();
        var path = await WriteRecordsAsync(temp, "m1");

        var error = await Assert.ThrowsAsync<SnapshotException>(() => PartFileReader<StagedEdge>.OpenAsync(PartCodecs.Edges, path, null, Ct));

        Assert.Contains("holds records, expected edges", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_OtherMigration_Refuses()
    {
        using var temp = new TempFolder();
        var path = await WriteRecordsAsync(temp, "m1");

        var error = await Assert.ThrowsAsync<SnapshotException>(() => PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, path, "m2", Ct));

        Assert.Contains("belongs to migration 'm1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vectors_RoundTrip_KeepsFloatsExactly()
    {
        using var temp = new TempFolder();
        var path = temp.File("vectors.parquet");
        var vector = Enumerable.Range(0, 768).Select(i => MathF.Sin(i) / 3f).ToArray();
        await using (var writer = await PartFileWriter<StagedVector>.CreateAsync(PartCodecs.Vectors, path, "m1", Ct))
        {
            await writer.WriteAsync(new StagedVector("ebl_1", "hash", "lexical-hash-768-v1", vector, 12, true), Ct);
            await writer.CompleteAsync("vectors.parquet", Ct);
        }

        await using var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, path, "m1", Ct);
        var read = Assert.Single(await reader.ReadRowGroupAsync(0, Ct));

        Assert.Equal(vector, read.Vector);
        Assert.Equal(12, read.TokenCount);
        Assert.True(read.Truncated);
    }

    [Fact]
    public async Task ReadRowGroupAndColumn_CorruptData_ReportTheFileAsCorrupt()
    {
        using var temp = new TempFolder();
        var path = await WriteRecordsAsync(temp, "m1");
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        // The first column chunk starts after the 4-byte magic; the footer at the end stays whole, so the file opens.
        Array.Fill(bytes, (byte)0xFF, 4, 64);
        await File.WriteAllBytesAsync(path, bytes, Ct);
        await using var reader = await PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, path, "m1", Ct);

        var group = await Assert.ThrowsAsync<SnapshotException>(() => reader.ReadRowGroupAsync(0, Ct));
        var column = await Assert.ThrowsAsync<SnapshotException>(() => reader.ReadStringColumnAsync(0, "memory_id", Ct));

        Assert.Contains("row group 0 cannot be decoded", group.Message, StringComparison.Ordinal);
        Assert.Contains("column memory_id of row group 0 cannot be decoded", column.Message, StringComparison.Ordinal);
        Assert.All([group, column], error => Assert.Contains(path, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DisposeAsync_WithoutComplete_LeavesNoFile()
    {
        using var temp = new TempFolder();
        var path = temp.File("records.parquet");
        await using (var writer = await PartFileWriter<StagedRecord>.CreateAsync(PartCodecs.Records, path, "m1", Ct))
        {
            await writer.WriteAsync(Record(1), Ct);
        }

        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    internal static StagedRecord Record(int i)
        => new($"ebl_{i:x32}", "s", "jsonl", "c", $"{i}", $"text {i}", $"{i:x64}", null, MemoryKind.Semantic, null, "{}");

    private static async Task<string> WriteRecordsAsync(TempFolder temp, string migration)
    {
        var path = temp.File("records.parquet");
        await using var writer = await PartFileWriter<StagedRecord>.CreateAsync(PartCodecs.Records, path, migration, Ct);
        for (var i = 0; i < 100; i++)
        {
            await writer.WriteAsync(Record(i), Ct);
        }

        await writer.CompleteAsync("records.parquet", Ct);
        return path;
    }
}
