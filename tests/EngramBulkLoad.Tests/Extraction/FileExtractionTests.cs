using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;
using EngramBulkLoad.Sources;
using EngramBulkLoad.Sources.Files;

namespace EngramBulkLoad.Tests.Extraction;

public sealed class FileExtractionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Extract_JsonlWithBadLines_RejectsEachWithLineNumberAndReconciles()
    {
        using var temp = new TempFolder();
        await File.WriteAllLinesAsync(temp.File("docs.jsonl"),
        [
            """{"id": 1, "text": "first"}""",
            """{"id": 2, "text": ""}""",
            "{not json",
            "",
            """[1, 2]""",
            """{"text": "no id"}""",
            """{"id": 1, "text": "duplicate of the first"}""",
            """{"id": 3, "text": "third", "extra": {"nested": [1, 2]}}""",
        ], Ct);

        var (counts, rejects, records) = await ExtractAsync(temp, """{ "name": "docs", "kind": "jsonl", "path": "docs.jsonl", "key": "id", "text": "text" }""", partSize: 3);

        var c = Assert.Single(counts);
        Assert.Equal((7L, 2L, 5L), (c.SourceRows, c.Staged, c.Rejected));
        Assert.True(c.Reconciles);
        Assert.Equal(["1", "3"], records.Select(r => r.SourceKey));
        Assert.Equal(
            ["line 2:empty_text", "line 3:malformed", "line 5:malformed", "line 6:missing_key", "line 7:duplicate_key"],
            rejects.Select(r => $"{r.Location}:{r.Code}"));
        Assert.Contains("""{"nested":[1,2]}""", records[1].MetadataJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_CsvWithWrongFieldCount_RejectsRowNamingLine()
    {
        using var temp = new TempFolder();
        await File.WriteAllTextAsync(temp.File("t.csv"), "id,subject,body\n1,Hello,\"multi\nline\"\n2,too,many,fields\n3,Fine,ok\n", Ct);

        var (counts, rejects, records) = await ExtractAsync(temp, """{ "name": "t", "kind": "csv", "path": "t.csv", "key": "id", "text": ["subject", "body"] }""");

        Assert.Equal(3, Assert.Single(counts).SourceRows);
        Assert.Equal(["Hello\n\nmulti\nline", "Fine\n\nok"], records.Select(r => r.Content));
        var reject = Assert.Single(rejects);
        Assert.Equal("line 4", reject.Location);
        Assert.Contains("has 4 fields, expected 3", reject.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_EdgesFile_StagesEdgesBetweenRecordIds()
    {
        using var temp = new TempFolder();
        await File.WriteAllLinesAsync(temp.File("d.jsonl"), ["""{"id": "a", "t": "A"}""", """{"id": "b", "t": "B"}"""], Ct);
        await File.WriteAllLinesAsync(temp.File("e.jsonl"), ["""{"from": "a", "to": "b", "type": "cites", "weight": 1.7}""", """{"from": "a"}"""], Ct);

        var (counts, rejects, _) = await ExtractAsync(temp, """{ "name": "d", "kind": "jsonl", "path": "d.jsonl", "key": "id", "text": "t", "edges": { "path": "e.jsonl" } }""");

        var edges = counts.Single(c => c.Collection == "d.edges");
        Assert.Equal((2L, 1L, 1L, 1L), (edges.SourceRows, edges.Edges, edges.StandaloneEdges, edges.Rejected));
        Assert.True(edges.Reconciles);
        Assert.Equal(RejectCodes.MissingKey, Assert.Single(rejects).Code);
    }

    [Fact]
    public async Task Extract_KilledMidwayThenResumed_StagesEveryRowExactlyOnce()
    {
        using var temp = new TempFolder();
        await File.WriteAllLinesAsync(temp.File("docs.jsonl"), Enumerable.Range(1, 1000).Select(i => $$"""{"id": {{i}}, "text": "document {{i}}"}"""), Ct);
        var section = """{ "name": "docs", "kind": "jsonl", "path": "docs.jsonl", "key": "id", "text": "text" }""";

        // First run dies after 437 rows, in the middle of the fifth part of 100.
        await Assert.ThrowsAsync<IOException>(() => ExtractAsync(temp, section, partSize: 100, failAfter: 437));
        var (counts, _, records) = await ExtractAsync(temp, section, partSize: 100);

        Assert.Equal(1000, Assert.Single(counts).Staged);
        Assert.Equal(1000, records.Select(r => r.MemoryId).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => $"{i}"), records.Select(r => r.SourceKey));
    }

    [Fact]
    public async Task Extract_MissingFile_FailsNamingPath()
    {
        using var temp = new TempFolder();

        var error = await Assert.ThrowsAsync<SourceException>(() => ExtractAsync(temp, """{ "name": "d", "kind": "jsonl", "path": "absent.jsonl", "key": "id", "text": "t" }"""));

        Assert.Contains("absent.jsonl' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_FirstDocumentLacksTextField_FailsListingFields()
    {
        using var temp = new TempFolder();
        await File.WriteAllLinesAsync(temp.File("d.jsonl"), ["""{"id": 1, "body": "x"}"""], Ct);

        var error = await Assert.ThrowsAsync<SourceException>(() => ExtractAsync(temp, """{ "name": "d", "kind": "jsonl", "path": "d.jsonl", "key": "id", "text": "text" }"""));

        Assert.Contains("has no field 'text'; its fields are id, body", error.Message, StringComparison.Ordinal);
    }

    internal static async Task<(IReadOnlyList<CollectionCounts> Counts, List<RejectRecord> Rejects, List<StagedRecord> Records)> ExtractAsync(
        TempFolder temp, string sourceJson, int partSize = 50_000, int? failAfter = null, ShardSpec? shard = null, string snapshot = "snap")
    {
        var config = JobConfigLoader.Parse($$"""{ "migrationId": "test-run", "snapshot": "{{snapshot}}", "extract": { "partSize": {{partSize}} }, "sources": [ {{sourceJson}} ] }""", temp.File("job.json"));
        IRecordSource source = new FileSourceFactory().Create(config.Sources[0], config.Extract, shard);
        if (failAfter is { } n)
        {
            source = new InterruptedSource(source, n);
        }

        var settings = source.DescribeSettings();
        var entry = new SourceEntry { Name = source.Name, Kind = source.Kind, Settings = settings, SettingsFingerprint = SourceSettings.Fingerprint(settings) };
        await using var store = await SnapshotStore.OpenForWriteAsync(config.Snapshot, config.MigrationId, [entry], SnapshotOpenMode.CreateOrResume, TimeProvider.System, Ct);
        var counts = await new ExtractStage(store, config.Extract, new ExtractProgress()).RunAsync([source], cancellationToken: Ct);
        var manifest = store.ReadManifest();
        return (counts, await ReadAsync(store, manifest, PartCodecs.Rejects, p => p.Files.ExtractRejects), await ReadAsync(store, manifest, PartCodecs.Records, p => p.Files.Records));
    }

    private static async Task<List<T>> ReadAsync<T>(SnapshotStore store, SnapshotManifest manifest, PartCodec<T> codec, Func<PartEntry, PartFile?> file)
    {
        var rows = new List<T>();
        foreach (var part in manifest.Parts.OrderBy(p => p.Collection, StringComparer.Ordinal).ThenBy(p => p.Index).Select(file).Where(f => f is not null))
        {
            await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(part!.Path), manifest.MigrationId, Ct);
            await foreach (var row in reader.ReadAllAsync(Ct))
            {
                rows.Add(row);
            }
        }

        return rows;
    }
}
