using EngramBulkLoad.Loading;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Engram.Tests.TestSupport;

namespace EngramBulkLoad.Engram.Tests;

public sealed class PartRecordsTests
{
    [Fact]
    public async Task FindAsync_InFileOrderOverSeveralRowGroups_EveryRecordOnce()
    {
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        var records = await AddAsync(snapshot, Generate(20_000));
        await using var part = await PartRecords.OpenAsync(snapshot.Store, snapshot.Manifest().Parts[0], Token);

        foreach (var record in records)
        {
            Assert.Equal(record, await part.FindAsync(record.MemoryId, Token));
        }

        Assert.Null(await part.FindAsync(records[0].MemoryId, Token));
    }

    [Fact]
    public async Task FindAsync_ReverseOrderAndSkippedRecords_StillJoined()
    {
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        var records = await AddAsync(snapshot, Generate(10_000));
        await using var part = await PartRecords.OpenAsync(snapshot.Store, snapshot.Manifest().Parts[0], Token);

        // Every third record is skipped, as records rejected at embed are.
        for (var i = records.Count - 1; i >= 0; i -= 3)
        {
            Assert.Equal(records[i], await part.FindAsync(records[i].MemoryId, Token));
        }
    }

    [Fact]
    public async Task FindAsync_IdTheFileRepeats_RowsInTurnThenNull()
    {
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        var records = Generate(5);
        var again = records[2] with { Content = "second copy" };
        records.Add(again);
        await AddAsync(snapshot, records);
        await using var part = await PartRecords.OpenAsync(snapshot.Store, snapshot.Manifest().Parts[0], Token);

        Assert.Equal(records[2], await part.FindAsync(records[2].MemoryId, Token));
        Assert.Equal(again, await part.FindAsync(records[2].MemoryId, Token));
        Assert.Null(await part.FindAsync(records[2].MemoryId, Token));
        Assert.Null(await part.FindAsync("ebl_not_in_the_file", Token));
    }

    private static List<StagedRecord> Generate(int count)
        => [.. Enumerable.Range(0, count).Select(i => TestSnapshot.Record("crm", "postgres", "public.t", $"{i}", $"row {i}"))];

    private static async Task<List<StagedRecord>> AddAsync(TestSnapshot snapshot, List<StagedRecord> records)
        => await snapshot.AddPartAsync("public.t", 0, records, [], Token, state: PartState.Extracted).WaitAsync(TestTimeout, Token);
}
