using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>`run` against an Engram that fails 30 % of its calls transiently (UNAVAILABLE before handling them).</summary>
public sealed class FlakyEngramRunTests
{
    [Fact]
    public async Task Run_ThirtyPercentOfCallsFailTransiently_FinishesWithEveryMemoryAndEachPairOnce()
    {
        // The retry budget is the default (maxRetries 10); only the delays are shortened for the test.
        using var corpus = new TestCorpus(documents: 1_500, partSize: 500, extraJson: """, "engram": { "retryBaseDelay": "00:00:00.002", "retryMaxDelay": "00:00:00.020" }""");
        await using var server = await StartServerAsync(o => o.Deduplicate = false);
        server.Faults.FailRandomly(0.3, seed: 7);

        var (exit, output, error) = await CliAsync("run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space);

        Assert.True(exit == 0, output + error);
        Assert.True(server.Faults.InjectedFailures > 100, $"only {server.Faults.InjectedFailures} failures were injected");
        Assert.Equal(corpus.ExpectedIds(), Held(server));
        // A failed call was refused before Engram handled it, so a retry is no repetition: every pair exactly once.
        var perPair = server.Store.AssociateCalls.GroupBy(call => (call.Source, call.Target)).Select(group => group.Count()).ToList();
        Assert.Equal(corpus.Links - 1 - (2 * corpus.EmptyTexts), perPair.Count);
        Assert.All(perPair, count => Assert.Equal(1, count));
    }
}
