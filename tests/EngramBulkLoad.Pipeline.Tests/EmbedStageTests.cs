using EngramBulkLoad.Configuration;
using EngramBulkLoad.Embedding.Stage;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

public sealed class EmbedStageTests
{
    [Fact]
    public async Task Embed_TextsTheModelRefusesOrBreaks_BecomeRejectsAndCountsReconcile()
    {
        using var corpus = new TestCorpus(documents: 300);
        await PlantAsync(corpus, (5, "POISON"), (6, "BROKEN"), (250, "BROKEN"));
        Assert.Equal(0, (await CliAsync("extract", "-c", corpus.ConfigPath)).Exit);

        var embedder = new ScriptedEmbedder();
        await using (var store = await OpenAsync(corpus))
        {
            var stage = new EmbedStage(store, embedder, new EmbedSettings { TextsPerBatch = 16 }, new EmbedProgress());
            await stage.PrepareAsync(Ct);
            await stage.RunAsync(Ct);
        }

        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        var parts = manifest.Parts.Where(p => p.Files.Records is not null).ToList();
        Assert.All(parts, part => Assert.Equal(PartState.Embedded, part.State));
        Assert.All(parts, part => Assert.Equal(part.Counts.Staged, part.Counts.Embedded + part.Counts.EmbedRejected));
        var rejects = await ReadRejectsAsync(corpus, parts);
        Assert.Equal(["bad_vector", "bad_vector", "embed_failed"], rejects.Select(r => r.Code).Order());
        Assert.All(rejects, reject => Assert.Equal(PipelineStage.Embed, reject.Stage));
        Assert.Contains(rejects, reject => reject.SourceKey == "5" && reject.Message.Contains("refused the text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Embed_OutageStopsTheRun_ResumeEmbedsOnlyUnfinishedParts()
    {
        using var corpus = new TestCorpus(documents: 1_000, partSize: 100);
        Assert.Equal(0, (await CliAsync("extract", "-c", corpus.ConfigPath)).Exit);
        var failing = new ScriptedEmbedder { FailAfterCalls = 12 };
        await using (var store = await OpenAsync(corpus))
        {
            var stage = new EmbedStage(store, failing, new EmbedSettings { TextsPerBatch = 20, PartsInParallel = 1, BatchesInFlight = 1 }, new EmbedProgress());
            await stage.PrepareAsync(Ct);
            var outage = await Assert.ThrowsAsync<EmbeddingException>(() => stage.RunAsync(Ct));
            Assert.True(outage.IsTransient);
        }

        var halfway = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        var done = halfway.Parts.Count(p => p.State == PartState.Embedded);
        Assert.InRange(done, 1, halfway.Parts.Count(p => p.Files.Records is not null) - 1);

        var healthy = new ScriptedEmbedder();
        await using (var store = await OpenAsync(corpus))
        {
            var stage = new EmbedStage(store, healthy, new EmbedSettings(), new EmbedProgress());
            await stage.PrepareAsync(Ct);
            await stage.RunAsync(Ct);
        }

        var final = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        var staged = final.Parts.Sum(p => p.Counts.Staged);
        Assert.Equal(staged, final.Parts.Sum(p => p.Counts.Embedded ?? 0));
        // The resumed run embedded only the records of the parts the outage left unfinished.
        Assert.Equal(staged - halfway.Parts.Where(p => p.State == PartState.Embedded).Sum(p => p.Counts.Staged), healthy.Texts);
    }

    [Fact]
    public async Task Run_EmbedderFails_ReportsTheEmbeddersOwnError()
    {
        using var corpus = new TestCorpus(documents: 1_000, partSize: 100);
        Assert.Equal(0, (await CliAsync("extract", "-c", corpus.ConfigPath)).Exit);
        var failing = new ScriptedEmbedder { FailAfterCalls = 2 };
        var settings = new RunSettings
        {
            Extract = new ExtractSettings(),
            Embed = new EmbedSettings { TextsPerBatch = 20, PartsInParallel = 1, BatchesInFlight = 1 },
            PartsQueued = 1,
        };

        await using var store = await OpenAsync(corpus);
        // Without sources the run only feeds the parts the extract left unembedded; the third batch fails
        // while the feed still has parts to send, so the feed is the first to see the embed block refuse.
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => RunPipeline.RunAsync(
            store, [], failing, engram: null, settings, new RunProgress(store), TimeProvider.System, Ct));

        var outage = Assert.IsType<EmbeddingException>(failure);
        Assert.Contains("scripted outage", outage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_OtherModel_RefusedUnlessChangeModel()
    {
        using var corpus = new TestCorpus(documents: 200);
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--no-load")).Exit);

        await using var store = await OpenAsync(corpus);
        var other = new ScriptedEmbedder("other-model-768");
        var refused = await Assert.ThrowsAsync<SnapshotException>(() => new EmbedStage(store, other, new EmbedSettings(), new EmbedProgress()).PrepareAsync(Ct));
        Assert.Contains("--change-model", refused.Message, StringComparison.Ordinal);

        var stage = new EmbedStage(store, other, new EmbedSettings { ChangeModel = true }, new EmbedProgress());
        await stage.PrepareAsync(Ct);
        await stage.RunAsync(Ct);
        Assert.Equal(corpus.Documents - corpus.EmptyTexts, other.Texts);
        Assert.Equal("other-model-768", store.ReadManifest().Model?.Id);
    }

    private static async Task PlantAsync(TestCorpus corpus, params (int Line, string Word)[] plants)
    {
        var path = Path.Combine(corpus.Folder, "docs.jsonl");
        var lines = await File.ReadAllLinesAsync(path, Ct);
        foreach (var (line, word) in plants)
        {
            lines[line - 1] = lines[line - 1].Replace("Document", $"{word} document", StringComparison.Ordinal);
        }

        await File.WriteAllLinesAsync(path, lines, Ct);
    }

    private static async Task<SnapshotStore> OpenAsync(TestCorpus corpus)
    {
        var sources = (await RunTests.ReadManifestAsync(corpus.SnapshotFolder)).Sources;
        return await SnapshotStore.OpenForWriteAsync(corpus.SnapshotFolder, "pipeline-test", sources, SnapshotOpenMode.CreateOrResume, TimeProvider.System, Ct);
    }

    private static async Task<List<RejectRecord>> ReadRejectsAsync(TestCorpus corpus, IEnumerable<PartEntry> parts)
    {
        var rejects = new List<RejectRecord>();
        foreach (var file in parts.Select(p => p.Files.EmbedRejects).OfType<PartFile>())
        {
            await using var reader = await PartFileReader<RejectRecord>.OpenAsync(PartCodecs.Rejects, Path.Combine(corpus.SnapshotFolder, file.Path), "pipeline-test", Ct);
            await foreach (var reject in reader.ReadAllAsync(Ct))
            {
                rejects.Add(reject);
            }
        }

        return rejects;
    }
}
