using EngramBulkLoad.Embedding.TestModels;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>
/// <c>--model DIR</c>: a Hugging Face style model folder embedded inside the job (ONNX Runtime on CPU
/// here), with a tiny encoder the tests write themselves, since no model can be downloaded.
/// </summary>
public sealed class ModelFolderRunTests
{
    [Fact]
    public async Task Run_WithModelFolder_EmbedsWithTheOnnxModelAndLoadsEveryRecord()
    {
        using var corpus = new TestCorpus(documents: 400);
        var model = ModelFolderWriter.Write(Path.Combine(corpus.Folder, "tiny-model"), TokenizerFamily.ByteLevelBpe, hidden: 768, layers: 1, maxSequenceLength: 64);
        await using var server = await StartServerAsync();

        var (exit, output, error) = await CliAsync(
            "run", "-c", corpus.ConfigPath, "--model", model.Path, "--execution-provider", "Cpu", "--engram", server.Address, "--memory-space", Space);

        Assert.True(exit == 0, error + output);
        // The tiny untrained encoder maps most texts within cosine 0.95 of each other, so Engram (deduplication on)
        // keeps few memories; every record was sent, and validation passed because the merges were predicted.
        Assert.Subset(server.Store.RequestsPerId.Keys.ToHashSet(), corpus.ExpectedIds());
        Assert.Subset(corpus.ExpectedIds(), Held(server));
        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        Assert.Equal("onnx", manifest.Model?.Kind);
        Assert.Equal(768, manifest.Model?.Dimension);
        Assert.All(manifest.Parts.Where(p => p.Files.Records is not null), part => Assert.Equal(PartState.Loaded, part.State));
        Assert.All(server.Store.Memories(Space), memory => Assert.Equal(768, memory.Embedding.Length));
    }

    [Fact]
    public async Task Run_ModelFolderMissing_FailsWithConfigErrorNamingTheFlag()
    {
        using var corpus = new TestCorpus(documents: 10);

        var (exit, _, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--model", Path.Combine(corpus.Folder, "no-such-model"), "--no-load");

        Assert.Equal(ExitCodes.Config, exit);
        Assert.Contains("--model", error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ModelAndServiceBothGiven_RefusedBeforeAnyWork()
    {
        using var corpus = new TestCorpus(documents: 10);

        var (exit, _, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--model", corpus.Folder, "--embedding-service", "http://127.0.0.1:1", "--no-load");

        Assert.Equal(ExitCodes.Config, exit);
        Assert.Contains("both name an embedder", error, StringComparison.Ordinal);
    }
}
