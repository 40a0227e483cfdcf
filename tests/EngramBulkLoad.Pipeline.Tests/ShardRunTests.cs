using System.Globalization;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>
/// The job as N shards of one corpus into one Engram: each record is loaded by exactly one shard, and every
/// edge becomes exactly one association, also when its ends are in different shards.
/// </summary>
public sealed class ShardRunTests
{
    private const string FastPolling = """, "engram": { "shardPollInterval": "00:00:00.200" }""";

    [Fact]
    public async Task Run_ThreeShardsAtOnce_UnionIsTheCorpusAndEveryEdgeOneAssociation()
    {
        using var corpus = new TestCorpus(documents: 1_500, emptyEvery: int.MaxValue, partSize: 200, extraJson: FastPolling);
        await using var server = await StartServerAsync();

        var runs = await ShardedLoad.AtOnceAsync(Enumerable.Range(0, 3).Select(index =>
            new[] { "run", "-c", corpus.ConfigPath, "--shard", $"{index}/3", "--engram", server.Address, "--memory-space", Space }));

        Assert.All(runs, run => Assert.True(run.Exit == 0, run.Error + run.Output));
        ShardedLoad.AssertExactlyOnce(server, corpus.ExpectedIds(), Links(corpus));
        var manifests = await ShardedLoad.ManifestsAsync(corpus.SnapshotFolder, 3);
        // Each shard loaded exactly the documents whose key hashes to it, and most links cross shards.
        for (var index = 0; index < 3; index++)
        {
            Assert.Equal(Documents(corpus).Count(key => ShardOf(key) == index), manifests[index].Parts.Sum(part => part.Counts.Loaded ?? 0));
        }

        Assert.True(Documents(corpus).Count(key => ShardOf(key) != ShardOf(Next(corpus, key))) > corpus.Documents / 2, "too few links cross shards for this test to mean anything.");
        // The only edge rejected is the link to a document that does not exist, in any shard.
        var reject = Assert.Single(await ShardedLoad.EdgeRejectsAsync(corpus.SnapshotFolder, 3));
        Assert.Equal(RejectCodes.MissingEndpoint, reject.Code);
        Assert.Contains(Id(corpus.Documents + 1000), reject.Message, StringComparison.Ordinal);
        Assert.Equal(corpus.Links - 1, manifests.Sum(manifest => manifest.Parts.Sum(part => part.Counts.Associations ?? 0)));
    }

    [Fact]
    public async Task Run_SiblingShardNeverRuns_TimesOutClearly_ThenSiblingAndLoadAgainComplete()
    {
        using var corpus = new TestCorpus(documents: 600, emptyEvery: int.MaxValue, partSize: 200, extraJson: FastPolling);
        await using var server = await StartServerAsync();
        string[] engram = ["--engram", server.Address, "--memory-space", Space];

        var first = await CliAsync(["run", "-c", corpus.ConfigPath, "--shard", "0/2", "--shard-wait", "00:00:01", .. engram]);

        Assert.Equal(ExitCodes.Snapshot, first.Exit);
        Assert.Contains("shard 1/2 (not started: no manifest.json", first.Error, StringComparison.Ordinal);
        Assert.Contains("'load --shard 0/2' again", first.Error, StringComparison.Ordinal);
        // Shard 0's memories are loaded and recorded; its associations were not started.
        var waiting = await RunTests.ReadManifestAsync(ShardedLoad.Folder(corpus.SnapshotFolder, 0, 2));
        Assert.All(waiting.Parts, part => Assert.Equal(PartState.Loaded, part.State));
        Assert.All(waiting.Parts, part => Assert.Null(part.Counts.Associations));
        Assert.Equal(waiting.Parts.Sum(part => part.Counts.Loaded ?? 0), Held(server).Count);
        Assert.Empty(server.Store.AssociateCalls);

        var sibling = await CliAsync(["run", "-c", corpus.ConfigPath, "--shard", "1/2", .. engram]);
        var again = await CliAsync(["load", "-c", corpus.ConfigPath, "--shard", "0/2", .. engram]);

        Assert.True(sibling.Exit == 0, sibling.Error + sibling.Output);
        Assert.True(again.Exit == 0, again.Error + again.Output);
        Assert.Contains("0 loaded, 0 rejected in 0 parts", again.Output, StringComparison.Ordinal);
        ShardedLoad.AssertExactlyOnce(server, corpus.ExpectedIds(), Links(corpus));
        Assert.Equal(RejectCodes.MissingEndpoint, Assert.Single(await ShardedLoad.EdgeRejectsAsync(corpus.SnapshotFolder, 2)).Code);
    }

    [Fact]
    public async Task Load_SiblingOfAnotherMigration_IsRefused()
    {
        using var corpus = new TestCorpus(documents: 100, emptyEvery: int.MaxValue, extraJson: FastPolling);
        await using var server = await StartServerAsync();
        Assert.Equal(0, (await CliAsync("run", "-c", corpus.ConfigPath, "--shard", "1/2", "--no-load", "--migration-id", "other-migration")).Exit);

        var (exit, _, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--shard", "0/2", "--engram", server.Address, "--memory-space", Space);

        Assert.Equal(ExitCodes.Snapshot, exit);
        Assert.Contains("holds migration 'other-migration', not 'pipeline-test'", error, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Documents(TestCorpus corpus)
        => Enumerable.Range(1, corpus.Documents).Select(i => i.ToString(CultureInfo.InvariantCulture));

    /// <summary>The document the corpus links <paramref name="key"/> to.</summary>
    private static string Next(TestCorpus corpus, string key)
        => ((int.Parse(key, CultureInfo.InvariantCulture) % corpus.Documents) + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The shard of 3 a document's key hashes to.</summary>
    private static int ShardOf(string key) => Enumerable.Range(0, 3).Single(index => new ShardSpec(index, 3).Includes(key));

    private static string Id(int document) => MemoryIdentity.ForRecord("jsonl", "docs", "docs", document.ToString(CultureInfo.InvariantCulture));

    /// <summary>Every link between two documents that exist: i -> i + 1, and the last back to the first.</summary>
    private static HashSet<(string From, string To)> Links(TestCorpus corpus)
        => [.. Enumerable.Range(1, corpus.Documents).Select(i => (Id(i), Id((i % corpus.Documents) + 1)))];
}
