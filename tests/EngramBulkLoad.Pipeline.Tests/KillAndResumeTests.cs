using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>
/// The job as a child process, killed with SIGKILL at random moments (nothing can be flushed or cleaned
/// up), then started again with the same arguments until it finishes: Engram must hold exactly the
/// source's records, each once, with every association.
/// </summary>
// Child-process kill tests run one at a time: on a small machine two of them at once starve each other.
[Collection("child processes")]
public sealed class KillAndResumeTests
{
    [Fact]
    public async Task Run_KilledAtRandomPoints_ResumesToExactCounts()
    {
        using var corpus = new TestCorpus(documents: 10_000, partSize: 400);
        // Deduplication off: this test is about resuming; the corpus's texts are distinct anyway, and the
        // all-pairs comparison would only slow the server on a busy machine.
        await using var server = await StartServerAsync(o => o.Deduplicate = false);
        var random = new Random(20261124);
        var kills = 0;
        string[] args = ["run", "-c", corpus.ConfigPath, "--engram", server.Address, "--memory-space", Space, "--progress-interval", "00:00:01"];

        for (var attempt = 0; attempt < 6; attempt++)
        {
            var delay = TimeSpan.FromMilliseconds(random.Next(400, 1_600));
            var (exited, exit, log) = await ChildJob.RunAsync(args, killAfter: delay);
            if (exited)
            {
                Assert.True(exit == 0, log);
                break;
            }

            kills++;
            TestContext.Current.TestOutputHelper?.WriteLine($"attempt {attempt}: killed after {delay.TotalMilliseconds} ms");
        }

        var (_, finalExit, finalLog) = await ChildJob.RunAsync(args, killAfter: (TimeSpan?)null);

        Assert.True(finalExit == 0, finalLog);
        Assert.True(kills > 0, "no run was killed; the corpus loads too fast for this test to mean anything.");
        Assert.Equal(corpus.ExpectedIds(), Held(server));
        Assert.Equal(corpus.Links - 1 - (2 * corpus.EmptyTexts), server.Store.AssociateCalls.Select(a => (a.Source, a.Target)).Distinct().Count());
        var manifest = await RunTests.ReadManifestAsync(corpus.SnapshotFolder);
        Assert.Equal(corpus.Documents + corpus.Links, manifest.Parts.Sum(p => p.Counts.SourceRows));
        Assert.Equal(corpus.ExpectedIds().Count, manifest.Parts.Sum(p => p.Counts.Loaded ?? 0));
        // A kill re-sends at most the batches in flight (maxBatchesInFlight 4 x batchSize 500), never whole parts again.
        Assert.InRange(server.Store.RequestsPerId.Values.Sum(count => count - 1), 0, kills * 4 * 500);
    }
}
