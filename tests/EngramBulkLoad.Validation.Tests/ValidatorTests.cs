using EngramBulkLoad.Engram;
using EngramBulkLoad.Engram.StandIn;
using EngramBulkLoad.Engram.TestServer;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Records;
using static EngramBulkLoad.Validation.Tests.TestSupport;

namespace EngramBulkLoad.Validation.Tests;

public sealed class ValidatorTests
{
    private static readonly ValidationOptions AllRecords = new() { SampleSize = 1000 };

    [Fact]
    public async Task RunAsync_LoadedSnapshot_EveryCheckPasses()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = await AddCorpusAsync(snapshot);
        await LoadAsync(snapshot, engram);

        var report = await ValidateAsync(snapshot, engram, AllRecords);

        Assert.True(report.Passed, Describe(report));
        // Engram's Introspect reports no counts and Associate stores nothing (grpc.rs): those two checks say so
        // and are skipped, never passed; every other check passes.
        Assert.All(report.Checks.Where(check => check.Name is not ("Engram count" or "Engram associations")), check => Assert.Equal(CheckStatus.Passed, check.Status));
        var count = Check(report, "Engram count");
        Assert.Equal(CheckStatus.Skipped, count.Status);
        Assert.Contains("grpc.rs", count.Message, StringComparison.Ordinal);
        Assert.Contains("--recall all", count.Message, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Skipped, Check(report, "Engram associations").Status);
        var recall = Check(report, "recall sample");
        Assert.Equal(records.Count, recall.Figures["found"]);
        var crm = report.Sources.Single(s => s.Source == "crm");
        Assert.Equal((10, 9, 1), (crm.Edges, crm.Associations, crm.AssociationsRejected));
        Assert.Contains(report.Rejects, group => group is { Stage: "load", Code: RejectCodes.MissingEndpoint, Count: 1 });
    }

    [Fact]
    public async Task RunAsync_MemoryLostAfterLoad_RecallFailsNamingIt()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = await AddCorpusAsync(snapshot);
        await LoadAsync(snapshot, engram);
        var lost = records[17].MemoryId;
        // Engram lost it (no RPC can do this: Forget leaves the persistent tiers that Recall reads, store.rs).
        Assert.True(server.Store.Lose(Space, lost));

        var report = await ValidateAsync(snapshot, engram, AllRecords);

        Assert.False(report.Passed);
        var recall = Check(report, "recall sample");
        Assert.Equal(CheckStatus.Failed, recall.Status);
        Assert.Equal(1, recall.Figures["missing"]);
        Assert.StartsWith(lost, Assert.Single(recall.Examples), StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Passed, Check(report, "counts reconcile").Status);
    }

    [Fact]
    public async Task RunAsync_RecallAllWithOneMemoryLost_NamesExactlyThatMemory()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = await AddCorpusAsync(snapshot);
        await LoadAsync(snapshot, engram);
        var lost = records[63].MemoryId;
        Assert.True(server.Store.Lose(Space, lost));
        long reported = 0;

        // A sample of 5 rarely hits one lost memory in 95; --recall all does.
        var report = await ValidateAsync(snapshot, engram, new ValidationOptions { SampleSize = 5, RecallAll = true, RecallProgress = (done, _) => Interlocked.Exchange(ref reported, done) });

        Assert.False(report.Passed);
        var all = Check(report, "recall all");
        Assert.Equal(CheckStatus.Failed, all.Status);
        Assert.Equal(records.Count - 1, all.Figures["found"]);
        Assert.Equal(1, all.Figures["missing"]);
        Assert.StartsWith(lost, Assert.Single(all.Examples), StringComparison.Ordinal);
        Assert.Equal(records.Count, Interlocked.Read(ref reported));
    }

    [Fact]
    public async Task RunAsync_EngramWithoutDeduplicationAndStrategyNone_ExpectsEveryLoadedMemory()
    {
        await using var server = await StartServerAsync(o => o.Deduplicate = false);
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = ValidationSnapshot.Records("crm", "public.customers", 0, 20, seed: 21);
        var vectors = records.Select((_, i) => Random(3000 + i)).ToList();
        records.Add(ValidationSnapshot.Record("crm", "public.customers", "copy", records[2].Content));
        vectors.Add(vectors[2]);
        await snapshot.AddPartAsync("public.customers", 0, records, Token, vectors);
        await LoadAsync(snapshot, engram);

        var report = await ValidateAsync(snapshot, engram, new ValidationOptions { SampleSize = 1000, RecallAll = true, NearDuplicates = { Strategy = NearDuplicates.MergeStrategy.None } });

        Assert.True(report.Passed, Describe(report));
        Assert.Equal(21, report.NearDuplicates.ExpectedHeld);
        Assert.Equal(21, server.Store.Count(Space));
        Assert.Equal(21, Check(report, "recall all").Figures["found"]);
    }

    [Fact]
    public async Task RunAsync_SameMemoryIdTwiceInOneGeneration_UniquenessFailsNamingIt()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = ValidationSnapshot.Records("crm", "public.customers", 0, 20, seed: 5);
        records.Add(records[3]);
        await snapshot.AddPartAsync("public.customers", 0, records, Token);
        await LoadAsync(snapshot, engram);

        var report = await ValidateAsync(snapshot, engram, AllRecords);

        Assert.False(report.Passed);
        var unique = Check(report, "memory ids unique");
        Assert.Equal(CheckStatus.Failed, unique.Status);
        Assert.Equal(1, unique.Figures["duplicateIds"]);
        Assert.StartsWith(records[3].MemoryId, Assert.Single(unique.Examples), StringComparison.Ordinal);
        // Engram kept one memory for the id (the second write was the same embedding, so it was skipped).
        Assert.Equal(20, server.Store.Memories(Space).Count);
        Assert.Equal(CheckStatus.Passed, Check(report, "recall sample").Status);
    }

    [Fact]
    public async Task RunAsync_SameIdInALaterGeneration_IsAnUpdateNotADuplicate()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = ValidationSnapshot.Records("crm", "public.customers", 0, 20, seed: 6);
        await snapshot.AddPartAsync("public.customers", 0, records, Token);
        // A backfill: the record changed at the source, so a later generation stages it again under its id.
        // Both generations load in one run: the loader finishes generation 0 before it sends generation 1.
        var changed = ValidationSnapshot.Record("crm", "public.customers", records[2].SourceKey, "an entirely new text about the customer after the backfill");
        await snapshot.AddPartAsync("public.customers", 1, [changed], Token, generation: 1);
        await LoadAsync(snapshot, engram);

        var report = await ValidateAsync(snapshot, engram, AllRecords);

        Assert.True(report.Passed, Describe(report));
        Assert.Equal(20, server.Store.Memories(Space).Count);
        Assert.Equal(changed.Content, server.Store.Find(Space, changed.MemoryId)!.Content);
    }

    [Fact]
    public async Task RunAsync_ExtraMemoryInTheSpace_PassesAsEngramReportsNoCountToCompare()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        await AddCorpusAsync(snapshot);
        await LoadAsync(snapshot, engram);
        Plant(server, "planted");

        var report = await ValidateAsync(snapshot, engram, AllRecords);

        // Over gRPC a memory the migration did not write cannot be seen: the report says the count is unknown.
        Assert.True(report.Passed, Describe(report));
        Assert.Equal(CheckStatus.Skipped, Check(report, "Engram count").Status);
        Assert.Contains("reports no memory count", Check(report, "Engram count").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ShardSnapshotWithSiblingMemoriesInTheSpace_CountsAreLowerBoundsAndPass()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = await AddCorpusAsync(snapshot);
        await LoadAsync(snapshot, engram);
        await snapshot.Store.UpdateAsync(manifest => manifest.Shard = "0/2", Token);
        // A sibling shard's memory and association in the same space.
        var sibling = Plant(server, "sibling");
        await engram.AssociateAsync(new Engram.Protocol.AssociateRequest { MemorySpaceId = Space, SourceMemory = sibling, TargetMemory = records[0].MemoryId, Strength = 0.5f }, Token);

        var report = await ValidateAsync(snapshot, engram, AllRecords);

        Assert.True(report.Passed, Describe(report));
        Assert.Equal("0/2", report.Shard);
        Assert.Equal(CheckStatus.Passed, Check(report, "recall sample").Status);
        Assert.Contains("stores nothing", Check(report, "Engram associations").Message, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Passed, Check(report, "relationships preserved").Status);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("not-unit")]
    [InlineData("zero")]
    [InlineData("short")]
    public async Task RunAsync_BrokenEmbedding_EmbeddingCheckFailsNamingIt(string breakage)
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = ValidationSnapshot.Records("crm", "public.customers", 0, 30, seed: 7);
        var vectors = records.Select((_, i) => Random(1000 + i)).ToList();
        vectors[11] = breakage switch
        {
            "nan" => [.. vectors[11].Select((v, i) => i == 100 ? float.NaN : v)],
            "not-unit" => [.. vectors[11].Select(v => v * 1.5f)],
            "zero" => new float[768],
            _ => vectors[11][..767],
        };
        await snapshot.AddPartAsync("public.customers", 0, records, Token, vectors);
        await LoadAsync(snapshot, engram);

        var report = await ValidateAsync(snapshot, engram, AllRecords);

        Assert.False(report.Passed);
        var embeddings = Check(report, "embeddings sane");
        Assert.Equal(CheckStatus.Failed, embeddings.Status);
        Assert.StartsWith(records[11].MemoryId, Assert.Single(embeddings.Examples), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AllVectorsIdentical_EmbeddingCheckFails()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var records = ValidationSnapshot.Records("crm", "public.customers", 0, 10, seed: 8);
        await snapshot.AddPartAsync("public.customers", 0, records, Token, [.. records.Select(_ => Random(5))]);

        var report = await ValidateAsync(snapshot, null, AllRecords);

        var embeddings = Check(report, "embeddings sane");
        Assert.Equal(CheckStatus.Failed, embeddings.Status);
        Assert.Contains("all 10 vectors are identical", embeddings.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_VectorsOnlySnapshot_EdgesReportedAsPendingNotAsLost()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var records = ValidationSnapshot.Records("crm", "public.customers", 0, 12, seed: 9);
        var edges = records.Skip(1).Select(record => ValidationSnapshot.Edge(record, records[0].MemoryId)).ToList();
        await snapshot.AddPartAsync("public.customers", 0, records, Token, edges: edges);

        var report = await ValidateAsync(snapshot, null, new ValidationOptions { SampleSize = 1000, ExpectLoaded = false });

        var relationships = Check(report, "relationships preserved");
        Assert.Equal(CheckStatus.Passed, relationships.Status);
        Assert.Equal(11, relationships.Figures["edgesPending"]);
        Assert.Contains("11 not loaded yet", relationships.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DeduplicationStrategy.KeepHighestConfidence)]
    [InlineData(DeduplicationStrategy.KeepMostRecent)]
    public async Task RunAsync_NearDuplicatesMergedByEngram_PassesAndReportsMergesNotLoss(DeduplicationStrategy strategy)
    {
        await using var server = await StartServerAsync(o => (o.Deduplicate, o.DeduplicationStrategy) = (true, strategy));
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var records = ValidationSnapshot.Records("crm", "public.customers", 0, 30, seed: 9);
        var vectors = records.Select((_, i) => Random(2000 + i)).ToList();
        // Two copies of one text under other keys (exact), and a chain 0.97 / 0.97 whose ends are about 0.94 apart.
        records.Add(ValidationSnapshot.Record("crm", "public.customers", "copy-1", records[4].Content));
        records.Add(ValidationSnapshot.Record("crm", "public.customers", "copy-2", records[4].Content));
        vectors.Add(vectors[4]);
        vectors.Add(vectors[4]);
        records.Add(ValidationSnapshot.Record("crm", "public.customers", "near-1", "a close paraphrase of record eight"));
        vectors.Add(At(vectors[8], 0.97, seed: 1));
        records.Add(ValidationSnapshot.Record("crm", "public.customers", "near-2", "a paraphrase of the paraphrase"));
        vectors.Add(At(vectors[^1], 0.97, seed: 2));
        await snapshot.AddPartAsync("public.customers", 0, records, Token, vectors);
        var options = new ValidationOptions { SampleSize = 1000, NearDuplicates = { Strategy = strategy == DeduplicationStrategy.KeepHighestConfidence ? NearDuplicates.MergeStrategy.KeepHighestConfidence : NearDuplicates.MergeStrategy.Replace } };
        await LoadAsync(snapshot, engram);

        var report = await ValidateAsync(snapshot, engram, options);

        Assert.True(report.Passed, Describe(report));
        var held = server.Store.Count(Space);
        Assert.Equal(held, report.NearDuplicates.ExpectedHeld);
        Assert.Equal(CheckStatus.Warning, Check(report, "near-duplicates").Status);
        var recall = Check(report, "recall sample");
        Assert.Equal(0, recall.Figures["missing"]);
        // A skipped memory was never stored, so its own vector brings back the one held; a replaced one stays in
        // Engram's persistent tiers (store.rs: Replace removes it from the hot memories only) and comes back itself.
        Assert.Equal(strategy == DeduplicationStrategy.KeepHighestConfidence ? records.Count - held : 0, recall.Figures["merged"]);
        Assert.Equal(2, report.NearDuplicates.Groups);
        Assert.Equal(2, report.NearDuplicates.ExactDuplicates);
    }

    [Fact]
    public async Task RunAsync_NearDuplicatesAcrossSourcesOfDifferentConfidence_PredictsTheMemoryEngramHolds()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        var notes = ValidationSnapshot.Records("notes", "notes", 0, 12, seed: 50);
        var crm = ValidationSnapshot.Records("crm", "public.customers", 0, 12, seed: 51);
        var notesVectors = notes.Select((_, i) => Random(8000 + i)).ToList();
        // Each crm record i < 4 is a near-duplicate of note i, loaded after it with a higher confidence (postgres
        // 0.8 against jsonl 0.75 by default), so Engram replaces the note by it.
        var crmVectors = crm.Select((_, i) => i < 4 ? At(notesVectors[i], 0.97, seed: 52 + i) : Random(9000 + i)).ToList();
        await snapshot.AddPartAsync("notes", 0, notes, Token, notesVectors);
        await snapshot.AddPartAsync("public.customers", 0, crm, Token, crmVectors);
        await LoadAsync(snapshot, engram);

        var report = await ValidateAsync(snapshot, engram, new ValidationOptions { SampleSize = 1000, RecallAll = true });

        Assert.True(report.Passed, Describe(report));
        Assert.Equal(20, server.Store.Count(Space));
        Assert.Equal(20, report.NearDuplicates.ExpectedHeld);
        for (var i = 0; i < 4; i++)
        {
            Assert.NotNull(server.Store.Find(Space, crm[i].MemoryId));
            Assert.Null(server.Store.Find(Space, notes[i].MemoryId));
        }

        var saved = await NearDuplicates.NearDuplicateFinder.ReadAsync(snapshot.Store, Token);
        Assert.Equal(
            crm.Take(4).Select(record => record.MemoryId).Order(StringComparer.Ordinal),
            saved!.Groups.Select(group => Assert.Single(group.Held)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunAsync_WithoutEngram_EngramChecksSkippedNotPassed()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await snapshot.AddPartAsync("public.customers", 0, ValidationSnapshot.Records("crm", "public.customers", 0, 10, seed: 10), Token);

        var report = await ValidateAsync(snapshot, null, AllRecords);

        foreach (var name in new[] { "Engram count", "Engram associations", "recall sample", "metadata in Engram", "confidence in range" })
        {
            var check = Check(report, name);
            Assert.Equal(CheckStatus.Skipped, check.Status);
            Assert.Contains("no Engram", check.Message, StringComparison.Ordinal);
        }

        // The snapshot was never loaded: reconciliation says so.
        Assert.Equal(CheckStatus.Failed, Check(report, "counts reconcile").Status);
        Assert.Contains("not loaded yet", Check(report, "counts reconcile").Examples[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ConfidenceCheck_VerifiesWhatWasSentAndSaysEngramReturnsTheRecallScore()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        await AddCorpusAsync(snapshot);
        await LoadAsync(snapshot, engram);

        var report = await ValidateAsync(snapshot, engram, AllRecords);

        // Engram returns each recalled memory with its recall score (1 for its own vector), not the 0.8 stored.
        var confidence = Check(report, "confidence in range");
        Assert.Equal(CheckStatus.Passed, confidence.Status);
        Assert.Equal(0.8, confidence.Figures["sent.postgres"], 6);
        Assert.Contains("recall score", confidence.Message, StringComparison.Ordinal);
        Assert.Equal(1.0, Check(report, "recall sample").Figures["lowestOwnScore"], 3);
    }

    [Fact]
    public async Task WriteAsync_Report_WritesJsonMarkdownAndHtmlWithChart()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await using var engram = EngramClient.Create(Options(server), TimeProvider.System);
        await AddCorpusAsync(snapshot);
        await LoadAsync(snapshot, engram);
        var report = await ValidateAsync(snapshot, engram, new ValidationOptions());
        var folder = Path.Combine(snapshot.Folder, "report");

        var written = await ValidationReportWriter.WriteAsync(report, folder, Token);

        Assert.Equal(["report.json", "report.md", "report.html"], written.Select(Path.GetFileName));
        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(written[0], Token));
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal("passed", json.RootElement.GetProperty("checks")[0].GetProperty("status").GetString());
        Assert.Contains("| counts reconcile | passed |", await File.ReadAllTextAsync(written[1], Token), StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(written[2], Token);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("<polyline", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
    }

    /// <summary>Two sources, three parts, edges (one to a record that does not exist: a missing_endpoint reject).</summary>
    private static async Task<List<StagedRecord>> AddCorpusAsync(ValidationSnapshot snapshot)
    {
        var customers0 = ValidationSnapshot.Records("crm", "public.customers", 0, 40, seed: 1);
        var customers1 = ValidationSnapshot.Records("crm", "public.customers", 40, 30, seed: 2);
        var notes = ValidationSnapshot.Records("notes", "notes.jsonl", 0, 25, seed: 3);
        var edges = customers1.Take(9).Select((record, i) => ValidationSnapshot.Edge(record, customers0[i].MemoryId)).ToList();
        edges.Add(ValidationSnapshot.Edge(customers1[10], "ebl_ffffffffffffffffffffffffffffffff"));
        await snapshot.AddPartAsync("public.customers", 0, customers0, Token);
        await snapshot.AddPartAsync("public.customers", 1, customers1, Token, edges: edges);
        await snapshot.AddPartAsync("notes.jsonl", 0, notes, Token);
        return [.. customers0, .. customers1, .. notes];
    }

    private static Task<ValidationReport> ValidateAsync(ValidationSnapshot snapshot, EngramClient? engram, ValidationOptions options)
        => Validator.RunAsync(snapshot.Store, engram, options, TimeProvider.System, Token).WaitAsync(TestTimeout, Token);

    /// <summary>Puts a memory that is not the snapshot's into the space, as another writer would; returns its id.</summary>
    private static string Plant(EngramTestServer server, string content)
    {
        const string Id = "ebl_00000000000000000000000000000001";
        server.Store.Seed(new StoredMemory(Id, Space, content, Random(99), 0.8f, 0.8f, DateTimeOffset.UtcNow, IsEpisode: false));
        return Id;
    }

    private static ValidationCheck Check(ValidationReport report, string name) => report.Checks.Single(check => check.Name == name);
}
