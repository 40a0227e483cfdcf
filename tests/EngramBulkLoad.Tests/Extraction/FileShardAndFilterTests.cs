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

public sealed class FileShardAndFilterTests
{
    private const string Source = """
        { "name": "kb", "kind": "jsonl", "path": "docs.jsonl", "key": "id", "text": "body",
          "edges": { "path": "links.jsonl" } }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Extract_ThreeShards_TogetherStageTheWholeEachRowOnce()
    {
        using var temp = new TempFolder();
        await WriteCorpusAsync(temp);
        var whole = await ExtractAsync(temp, Source, "whole", null);

        var shards = new List<Snapshot>();
        for (var i = 0; i < 3; i++)
        {
            shards.Add(await ExtractAsync(temp, Source, $"shard-{i}", new ShardSpec(i, 3)));
        }

        Assert.All(shards, shard => Assert.NotEmpty(shard.Records));
        Assert.Equal(whole.Records.Select(r => r.MemoryId).Order(), shards.SelectMany(s => s.Records).Select(r => r.MemoryId).Order());
        Assert.Equal(whole.Records.Count, shards.SelectMany(s => s.Records).Select(r => r.MemoryId).Distinct().Count());
        Assert.Equal(whole.Edges.Select(e => e.EdgeId).Order(), shards.SelectMany(s => s.Edges).Select(e => e.EdgeId).Order());
        Assert.Equal(Describe(whole.Rejects), Describe(shards.SelectMany(s => s.Rejects)));
        Assert.Contains(whole.Rejects, r => r.Code == RejectCodes.DuplicateKey);
        foreach (var collection in whole.Counts)
        {
            var parts = shards.Select(s => s.Counts.Single(c => c.Collection == collection.Collection)).ToList();
            Assert.All(parts, c => Assert.True(c.Reconciles));
            Assert.Equal(collection.SourceRows, parts.Sum(c => c.SourceRows));
        }

        Assert.Equal(File.ReadAllLines(temp.File("docs.jsonl")).Length, whole.Counts.Single(c => c.Collection == "docs").SourceRows);
    }

    [Fact]
    public async Task DescribeSettings_Sharded_NamesTheShardSoAnotherShardCannotResume()
    {
        using var temp = new TempFolder();
        await WriteCorpusAsync(temp);
        var config = JobConfigLoader.Parse($$"""{ "migrationId": "test-run", "sources": [ {{Source}} ] }""", temp.File("job.json"));

        var first = new FileSourceFactory().Create(config.Sources[0], config.Extract, new ShardSpec(0, 2)).DescribeSettings();
        var second = new FileSourceFactory().Create(config.Sources[0], config.Extract, new ShardSpec(1, 2)).DescribeSettings();
        var whole = new FileSourceFactory().Create(config.Sources[0], config.Extract, new ShardSpec(0, 1)).DescribeSettings();

        Assert.Equal("0/2", (string?)first["shard"]);
        Assert.False(whole.ContainsKey("shard"));
        Assert.NotEqual(SourceSettings.Fingerprint(first), SourceSettings.Fingerprint(second));
    }

    [Fact]
    public async Task Extract_WithWhere_ReadsOnlyMatchingDocumentsAndCountsOnlyThem()
    {
        using var temp = new TempFolder();
        await File.WriteAllLinesAsync(temp.File("docs.jsonl"),
        [
            """{"id": 1, "body": "a", "status": "open", "year": 2024}""",
            """{"id": 2, "body": "b", "status": "closed", "year": 2024}""",
            """{"id": 3, "body": "c", "status": "open", "year": 2023}""",
            """{"id": 4, "body": "d", "status": "open"}""",
            "{broken",
            """{"id": 5, "body": "e", "status": "open", "year": 2025}""",
        ], Ct);

        var (counts, rejects, records) = await FileExtractionTests.ExtractAsync(temp,
            """{ "name": "kb", "kind": "jsonl", "path": "docs.jsonl", "key": "id", "text": "body", "where": { "status": "open", "year": [ "2024", "2025" ] } }""");

        Assert.Equal(["1", "5"], records.Select(r => r.SourceKey));
        Assert.Equal(RejectCodes.Malformed, Assert.Single(rejects).Code);
        Assert.Equal(3, Assert.Single(counts).SourceRows);
    }

    [Fact]
    public void Create_FileSourceWithWatermark_SaysItIsNotSupported()
    {
        var config = JobConfigLoader.Parse("""
            { "migrationId": "test-run", "sources": [ { "name": "kb", "kind": "jsonl", "path": "a.jsonl", "key": "id", "text": "t", "watermark": "updated" } ] }
            """, "/tmp/job.json");

        var error = Assert.Throws<ConfigException>(() => new FileSourceFactory().Create(config.Sources[0], config.Extract, null));

        Assert.Contains("sources[0].watermark", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported for file sources", error.Message, StringComparison.Ordinal);
    }

    private static async Task WriteCorpusAsync(TempFolder temp)
    {
        var docs = Enumerable.Range(1, 300).Select(i => $$"""{"id": {{i}}, "body": "document {{i}}"}""").ToList();
        docs.Insert(10, "{not json");
        docs.Insert(40, """{"body": "no key"}""");
        docs.Insert(70, """{"id": 5, "body": "a second document 5"}""");
        docs.Insert(90, """{"id": 17, "body": ""}""");
        docs.Insert(120, """{"id": "Zürich", "body": "a text key"}""");
        await File.WriteAllLinesAsync(temp.File("docs.jsonl"), docs, Ct);
        var links = Enumerable.Range(1, 120).Select(i => $$"""{"from": {{i}}, "to": {{i + 1}}, "type": "next"}""").ToList();
        links.Insert(30, "[1, 2");
        links.Insert(60, """{"from": 3}""");
        await File.WriteAllLinesAsync(temp.File("links.jsonl"), links, Ct);
    }

    private static List<string> Describe(IEnumerable<RejectRecord> rejects)
        => rejects.Select(r => $"{r.Collection} {r.Location} {r.Code} {r.SourceKey}").Order(StringComparer.Ordinal).ToList();

    private static async Task<Snapshot> ExtractAsync(TempFolder temp, string sourceJson, string snapshot, ShardSpec? shard)
    {
        var config = JobConfigLoader.Parse($$"""{ "migrationId": "test-run", "snapshot": "{{snapshot}}", "extract": { "partSize": 70 }, "sources": [ {{sourceJson}} ] }""", temp.File("job.json"));
        var source = new FileSourceFactory().Create(config.Sources[0], config.Extract, shard);
        var settings = source.DescribeSettings();
        var entry = new SourceEntry { Name = source.Name, Kind = source.Kind, Settings = settings, SettingsFingerprint = SourceSettings.Fingerprint(settings) };
        await using var store = await SnapshotStore.OpenForWriteAsync(config.Snapshot, config.MigrationId, [entry], SnapshotOpenMode.CreateOrResume, TimeProvider.System, Ct);
        var counts = await new ExtractStage(store, config.Extract, new ExtractProgress()).RunAsync([source], cancellationToken: Ct);
        var parts = store.ReadManifest().Parts;
        return new Snapshot(
            counts,
            await ReadAsync(store, parts.Select(p => p.Files.Records), PartCodecs.Records),
            await ReadAsync(store, parts.Select(p => p.Files.Edges), PartCodecs.Edges),
            await ReadAsync(store, parts.Select(p => p.Files.ExtractRejects), PartCodecs.Rejects));
    }

    private static async Task<List<T>> ReadAsync<T>(SnapshotStore store, IEnumerable<PartFile?> files, PartCodec<T> codec)
    {
        var rows = new List<T>();
        foreach (var file in files.OfType<PartFile>())
        {
            await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(file.Path), store.MigrationId, Ct);
            rows.AddRange(await reader.ReadAllAsync(Ct).ToListAsync(Ct));
        }

        return rows;
    }

    private sealed record Snapshot(IReadOnlyList<CollectionCounts> Counts, List<StagedRecord> Records, List<StagedEdge> Edges, List<RejectRecord> Rejects);
}
