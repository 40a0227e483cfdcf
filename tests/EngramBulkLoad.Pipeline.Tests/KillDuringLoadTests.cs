using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>
/// `load` as a child process killed with SIGKILL at random points of its memory phase, then of its association
/// phase, and started again until it finishes. The test server counts the Remember requests per memory id and the
/// Associate calls per pair: each is sent once, except at most the calls in flight at each kill (README, "What a
/// kill re-sends"), never a whole part again.
/// </summary>
// Child-process kill tests run one at a time: on a small machine two of them at once starve each other.
[Collection("child processes")]
public sealed class KillDuringLoadTests
{
    private const int Trials = 25;
    private const int BatchSize = 50;
    private const int BatchesInFlight = 2;
    private const int CallsInFlight = 8;

    private static readonly string Engram = $$""", "engram": { "batchSize": {{BatchSize}}, "maxBatchesInFlight": {{BatchesInFlight}}, "maxUnaryCallsInFlight": {{CallsInFlight}} }""";

    [Fact]
    public async Task Load_KilledAtRandomPointsOfTheMemoryPhase_ResendsAtMostTheBatchesInFlight()
    {
        // One part of 2,000 records: before the journals a kill near its end re-sent the whole part.
        using var corpus = new TestCorpus(documents: 2_000, partSize: 5_000, extraJson: Engram);
        await using var server = await StartServerAsync(o => o.Deduplicate = false);
        await PrepareAsync(corpus);
        var random = new Random(20261130);
        var expected = corpus.ExpectedIds();

        var kills = await KillRepeatedlyAsync(corpus, server, () => server.Store.RecordsReceived, expected.Count, random);

        Assert.True(kills >= Trials / 2, $"only {kills} kills; the memory phase ended too soon for this test to mean anything.");
        Assert.Equal(expected, Held(server));
        var resent = server.Store.RequestsPerId.Values.Sum(count => count - 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"{kills} kills, {resent} records sent again (bound {kills} x {BatchesInFlight * BatchSize})");
        Assert.InRange(resent, 0, kills * BatchesInFlight * BatchSize);
        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        Assert.Equal(expected.Count, manifest.Parts.Sum(p => p.Counts.Loaded ?? 0));
    }

    [Fact]
    public async Task Load_KilledAtRandomPointsOfTheAssociationPhase_SendsEachPairOnceBeyondTheCallsInFlight()
    {
        using var corpus = new TestCorpus(documents: 2_000, partSize: 1_000, extraJson: Engram);
        await using var server = await StartServerAsync(o => o.Deduplicate = false);
        await PrepareAsync(corpus);
        // The memory phase, whole: the kills below all fall in the association phase.
        var (_, memories, log) = await ChildJob.RunAsync(Args(corpus, server), killWhen: () => server.Store.AssociateCalls.Count > 0);
        Assert.True(memories is 0 or 137 or -1, log);
        var expectedPairs = corpus.Links - 1 - (2 * corpus.EmptyTexts);
        var random = new Random(20261201);

        var kills = 1 + await KillRepeatedlyAsync(corpus, server, () => server.Store.AssociateCalls.Count, expectedPairs, random);

        Assert.True(kills >= Trials / 2, $"only {kills} kills; the association phase ended too soon for this test to mean anything.");
        var perPair = server.Store.AssociateCalls.GroupBy(call => (call.Source, call.Target)).ToDictionary(group => group.Key, group => group.Count());
        Assert.Equal(expectedPairs, perPair.Count);
        var resent = perPair.Values.Sum(count => count - 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"{kills} kills, {resent} Associate calls sent again (bound {kills} x {CallsInFlight})");
        Assert.InRange(resent, 0, kills * CallsInFlight);
        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        Assert.Equal(expectedPairs, manifest.Parts.Sum(p => p.Counts.Associations ?? 0));
        Assert.Equal(corpus.Links - expectedPairs, manifest.Parts.Sum(p => p.Counts.AssociationsRejected ?? 0));
    }

    /// <summary>Extracts and embeds in this process, so that every kill falls in `load`.</summary>
    private static async Task PrepareAsync(TestCorpus corpus)
    {
        var (exit, output, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--no-load");
        Assert.True(exit == 0, output + error);
    }

    /// <summary>
    /// Starts `load` again and again, each time killing it once <paramref name="progress"/> (what the server has
    /// received) passed a random point a little further on, until a run finishes; returns the number of kills.
    /// </summary>
    private static async Task<int> KillRepeatedlyAsync(TestCorpus corpus, Engram.TestServer.EngramTestServer server, Func<long> progress, int total, Random random)
    {
        var kills = 0;
        var step = Math.Max(2, total / Trials);
        for (var trial = 0; trial < 3 * Trials; trial++)
        {
            var target = progress() + random.Next(1, step);
            var (exited, exit, log) = await ChildJob.RunAsync(Args(corpus, server), killWhen: () => progress() >= target);
            if (exited)
            {
                Assert.True(exit == 0, log);
                return kills;
            }

            kills++;
        }

        var (_, finalExit, finalLog) = await ChildJob.RunAsync(Args(corpus, server), killWhen: null);
        Assert.True(finalExit == 0, finalLog);
        return kills;
    }

    private static string[] Args(TestCorpus corpus, Engram.TestServer.EngramTestServer server)
        => ["load", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space];
}
