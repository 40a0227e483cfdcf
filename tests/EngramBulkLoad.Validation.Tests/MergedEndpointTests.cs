using EngramBulkLoad.Engram;
using EngramBulkLoad.Engram.TestServer;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Parts;
using static EngramBulkLoad.Validation.Tests.TestSupport;

namespace EngramBulkLoad.Validation.Tests;

/// <summary>
/// Edges whose end Engram merged into a near-duplicate (deduplication.rs: cosine at least 0.95, the first of equal
/// confidences kept), loaded against the audited test server and validated.
/// </summary>
public sealed class MergedEndpointTests
{
    [Fact]
    public async Task Load_Remap_AssociationsGoToTheHeldMemoryAndValidationCountsThemRemapped()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = await AddCorpusAsync(snapshot);

        var load = await LoadAsync(snapshot, engram);
        var report = await ValidateAsync(snapshot, engram);

        // records[15] and records[16] are held by Engram as records[3] and records[4].
        Assert.Null(server.Store.Find(Space, records[15].MemoryId));
        Assert.Null(server.Store.Find(Space, records[16].MemoryId));
        var calls = server.Store.AssociateCalls.Select(call => (call.Source, call.Target)).Order().ToList();
        Assert.Equal(
            new[] { (records[0].MemoryId, records[1].MemoryId), (records[0].MemoryId, records[3].MemoryId), (records[4].MemoryId, records[1].MemoryId) }.Order(),
            calls);
        Assert.All(server.Store.AssociateCalls.Where(call => call.Target == records[3].MemoryId || call.Source == records[4].MemoryId), call => Assert.Contains("remapped", call.Reason, StringComparison.Ordinal));
        Assert.Equal((1, 2, 1), (load.AssociationsLoaded, load.AssociationsRemapped, load.AssociationsRejected));
        Assert.True(report.Passed, Describe(report));
        var crm = report.Sources.Single(source => source.Source == "crm");
        Assert.Equal((4, 1, 2, 1, 1), (crm.Edges, crm.Associations, crm.AssociationsRemapped, crm.AssociationsRejected, crm.EdgesRejectedMerged));
        var selfLoop = Assert.Single(await EdgeRejectsAsync(snapshot));
        Assert.Equal(RejectCodes.MergedSelfLoop, selfLoop.Code);
        Assert.Contains(records[3].MemoryId, selfLoop.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_Reject_EdgesToMergedEndsRejectedNamingTheHeldMemory()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var options = Options(server);
        options.MergedEndpoints = "reject";
        await using var engram = EngramClient.Create(options.Validate(), TimeProvider.System);
        var records = await AddCorpusAsync(snapshot);

        var load = await LoadAsync(snapshot, engram);
        var report = await ValidateAsync(snapshot, engram);

        var call = Assert.Single(server.Store.AssociateCalls);
        Assert.Equal((records[0].MemoryId, records[1].MemoryId), (call.Source, call.Target));
        Assert.Equal((1, 0, 3), (load.AssociationsLoaded, load.AssociationsRemapped, load.AssociationsRejected));
        var rejects = await EdgeRejectsAsync(snapshot);
        Assert.Equal(2, rejects.Count(reject => reject.Code == RejectCodes.MergedEndpoint));
        Assert.Contains(rejects, reject => reject.Code == RejectCodes.MergedEndpoint && reject.Message.Contains(records[3].MemoryId, StringComparison.Ordinal) && reject.Message.Contains(records[15].MemoryId, StringComparison.Ordinal));
        Assert.Contains(rejects, reject => reject.Code == RejectCodes.MergedEndpoint && reject.Message.Contains(records[4].MemoryId, StringComparison.Ordinal) && reject.Message.Contains(records[16].MemoryId, StringComparison.Ordinal));
        Assert.True(report.Passed, Describe(report));
        var crm = report.Sources.Single(source => source.Source == "crm");
        Assert.Equal((4, 1, 0, 3, 3), (crm.Edges, crm.Associations, crm.AssociationsRemapped, crm.AssociationsRejected, crm.EdgesRejectedMerged));
    }

    [Fact]
    public async Task Load_EngramWithoutDeduplication_EdgesSentAsTheyAreAndEveryMemoryExpected()
    {
        await using var server = await StartServerAsync(o => o.Deduplicate = false);
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var options = Options(server);
        options.Deduplication = "none";
        await using var engram = EngramClient.Create(options.Validate(), TimeProvider.System);
        var records = await AddCorpusAsync(snapshot);

        var load = await LoadAsync(snapshot, engram);
        var report = await ValidateAsync(snapshot, engram);

        Assert.NotNull(server.Store.Find(Space, records[15].MemoryId));
        Assert.Contains(server.Store.AssociateCalls, call => (call.Source, call.Target) == (records[3].MemoryId, records[15].MemoryId));
        Assert.Equal((4, 0, 0), (load.AssociationsLoaded, load.AssociationsRemapped, load.AssociationsRejected));
        Assert.True(report.Passed, Describe(report));
        Assert.Equal(20, report.NearDuplicates.ExpectedHeld);
    }

    [Theory]
    [InlineData("mergedEndpoints", "drop", "\"remap\"")]
    [InlineData("deduplication", "off", "\"none\"")]
    public void FromJson_UnknownChoice_ConfigErrorNamingTheChoices(string setting, string value, string named)
    {
        using var json = System.Text.Json.JsonDocument.Parse($"{{\"{setting}\": \"{value}\"}}");

        var error = Assert.ThrowsAny<Exception>(() => EngramOptions.FromJson(json.RootElement));

        Assert.Contains($"engram.{setting}", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// 20 crm records of unrelated vectors, but records[15] at cosine 0.97 of records[3] and records[16] of records[4]
    /// (loaded later, same confidence: Engram keeps 3 and 4). Edges: 0 -> 1 (plain), 0 -> 15 (target merged into 3),
    /// 16 -> 1 (origin merged into 4), 3 -> 15 (both ends held as 3: a self-loop).
    /// </summary>
    private static async Task<List<StagedRecord>> AddCorpusAsync(ValidationSnapshot snapshot)
    {
        var records = ValidationSnapshot.Records("crm", "public.customers", 0, 20, seed: 60);
        var vectors = records.Select((_, i) => Random(6100 + i)).ToList();
        vectors[15] = At(vectors[3], 0.97, seed: 61);
        vectors[16] = At(vectors[4], 0.97, seed: 62);
        List<StagedEdge> edges =
        [
            ValidationSnapshot.Edge(records[0], records[1].MemoryId),
            ValidationSnapshot.Edge(records[0], records[15].MemoryId),
            ValidationSnapshot.Edge(records[16], records[1].MemoryId),
            ValidationSnapshot.Edge(records[3], records[15].MemoryId),
        ];
        await snapshot.AddPartAsync("public.customers", 0, records, Token, vectors, edges);
        return records;
    }

    private static async Task<List<RejectRecord>> EdgeRejectsAsync(ValidationSnapshot snapshot)
    {
        var part = snapshot.Store.ReadManifest().Parts.Single();
        await using var reader = await PartFileReader<RejectRecord>.OpenAsync(PartCodecs.Rejects, snapshot.Store.FullPath(part.Files.LoadRejects!.Path), snapshot.Store.MigrationId, Token);
        var rejects = new List<RejectRecord>();
        await foreach (var reject in reader.ReadAllAsync(Token))
        {
            rejects.Add(reject);
        }

        return rejects;
    }

    private static Task<ValidationReport> ValidateAsync(ValidationSnapshot snapshot, EngramClient engram)
        => Validator.RunAsync(snapshot.Store, engram, new ValidationOptions { SampleSize = 1000, RecallAll = true }, TimeProvider.System, Token).WaitAsync(TestTimeout, Token);
}
