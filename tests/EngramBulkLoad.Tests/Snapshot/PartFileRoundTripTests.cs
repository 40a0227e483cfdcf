using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Tests.Snapshot;

public sealed class PartFileRoundTripTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_WrittenAcrossRowGroups_ReadBackEqual()
    {
        using var temp = new TempFolder();
        var path = temp.File("records.parquet");
        var rows = Enumerable.Range(0, 20_000).Select(i => new StagedRecord(
            $"ebl_{i:x32}", "crm", "postgres", "public.customers", i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"Customer {i} says héllo ✓", $"{i:x64}",
            i % 3 == 0 ? null : new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.FromHours(2)).AddSeconds(i),
            i % 2 == 0 ? MemoryKind.Semantic : MemoryKind.Episodic,
            i % 5 == 0 ? 3600 : null,
            $$"""{"n":{{i}}}""")).ToList();

        var file = await WriteAsync(PartCodecs.Records, path, rows);
        Assert.Equal(rows.Count, file.Rows);

        await using var reader = await PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, path, "m1", Ct);
        var read = new List<StagedRecord>();
        await foreach (var row in reader.ReadAllAsync(Ct))
        {
            read.Add(row);
        }

        Assert.Equal(rows.Count, reader.RowCount);
        Assert.True(reader.RowGroupCount > 1, $"expected several row groups, got {reader.RowGroupCount}");
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i] with { Timestamp = null }, read[i] with { Timestamp = null });
            Assert.Equal(rows[i].Timestamp?.UtcDateTime, read[i].Timestamp?.UtcDateTime);
        }
    }

    [Fact]
    public async Task Records_TextBeyondArenaBlocks_ReadBackEqual()
    {
        // 300 rows of 10,000 characters fill several 1M-character blocks of a row group's text arena,
        // and one row longer than a block is kept as its own string.
        using var temp = new TempFolder();
        var path = temp.File("records.parquet");
        var rows = Enumerable.Range(0, 300).Select(i => new StagedRecord(
            $"ebl_{i:x32}", "crm", "postgres", "public.docs", i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new string((char)('a' + (i % 26)), i == 150 ? 1_500_000 : 10_000) + $" row {i} ✓", $"{i:x64}",
            null, MemoryKind.Semantic, null, $$"""{"n":{{i}}}""")).ToList();

        await WriteAsync(PartCodecs.Records, path, rows);

        await using var reader = await PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, path, "m1", Ct);
        var read = new List<StagedRecord>();
        await foreach (var row in reader.ReadAllAsync(Ct))
        {
            read.Add(row);
        }

        Assert.Equal(rows, read);
    }

    [Fact]
    public async Task Vectors_OfRealDimension_RowGroupsEndAtTheByteBudget()
    {
        using var temp = new TempFolder();
        var path = temp.File("vectors.parquet");
        var rows = Enumerable.Range(0, 1_000).Select(i => new StagedVector(
            $"ebl_{i:x32}", $"{i:x64}", "model-a", Enumerable.Range(0, 768).Select(d => (float)(i + d)).ToArray(), 12, false)).ToList();
        await WriteAsync(PartCodecs.Vectors, path, rows);

        await using var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, path, "m1", Ct);
        var read = new List<StagedVector>();
        var vectorBytesPerGroup = new List<long>();
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            var groupRows = await reader.ReadRowGroupAsync(group, Ct);
            read.AddRange(groupRows);
            vectorBytesPerGroup.Add(groupRows.Sum(row => (long)row.Vector.Length * sizeof(float)));
        }

        // 1,000 vectors of 3 KiB are under the row cap (4,096) but three times the byte budget.
        Assert.InRange(reader.RowGroupCount, 3, 5);
        Assert.All(vectorBytesPerGroup, bytes => Assert.True(bytes <= PartFileWriter<StagedVector>.RowGroupBytes, $"a row group holds {bytes} vector bytes"));
        Assert.Equal(rows.Select(r => r.MemoryId), read.Select(r => r.MemoryId));
        Assert.All(rows.Zip(read), pair => Assert.Equal(pair.First.Vector, pair.Second.Vector));
    }

    [Fact]
    public async Task Vectors_OneStringColumn_ReadPerRowGroupWithoutTheVectors()
    {
        using var temp = new TempFolder();
        var path = temp.File("vectors.parquet");
        var rows = Enumerable.Range(0, 5_000).Select(i => new StagedVector($"ebl_{i:x32}", $"{i:x64}", i % 2 == 0 ? "model-a" : "model-b", [1f, 0f, 0f], 3, false)).ToList();
        await WriteAsync(PartCodecs.Vectors, path, rows);

        await using var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, path, "m1", Ct);
        var ids = new List<string?>();
        var models = new List<string?>();
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            ids.AddRange(await reader.ReadStringColumnAsync(group, VectorColumns.MemoryId, Ct));
            models.AddRange(await reader.ReadStringColumnAsync(group, VectorColumns.ModelId, Ct));
        }

        Assert.Equal(2, reader.RowGroupCount);
        Assert.Equal(rows.Select(r => r.MemoryId), ids);
        Assert.Equal(rows.Select(r => r.ModelId), models);
        await Assert.ThrowsAsync<ArgumentException>(() => reader.ReadStringColumnAsync(0, "dimension", Ct));
    }

    private static async Task<PartFile> WriteAsync<T>(PartCodec<T> codec, string path, IEnumerable<T> rows)
    {
        await using var writer = await PartFileWriter<T>.CreateAsync(codec, path, "m1", Ct);
        foreach (var row in rows)
        {
            await writer.WriteAsync(row, Ct);
        }

        return await writer.CompleteAsync(Path.GetFileName(path), Ct);
    }
}
