using EngramBulkLoad.Cli.Terminal;
using EngramBulkLoad.Validation;

namespace EngramBulkLoad.Tests.Cli;

/// <summary>The last lines of run and demo: records in, memories expected, memories held (and how the tool knows), the next command.</summary>
public sealed class MigrationSummaryTests
{
    private static readonly NextCommands Commands = new("LOAD-CMD", "VALIDATE-CMD", "RECALL-ALL-CMD", "/snap/report/report.html");

    [Fact]
    public void Of_NotLoaded_HeldIsNoneAndNextIsTheLoadCommand()
    {
        var report = Report(engram: null, Passed("counts reconcile"), ValidationCheck.Skip(CheckNames.EngramCount, "no Engram"));

        var summary = MigrationSummary.Of(report, Commands);

        Assert.Equal(1_010, summary.RecordsIn);
        Assert.Equal(995, summary.MemoriesExpected);
        Assert.Equal("1,000 memories embedded, 5 expected to merge into a near-duplicate", summary.ExpectedWhy);
        Assert.Equal("none: not loaded into Engram (vectors only).", summary.MemoriesHeld);
        Assert.EndsWith(": LOAD-CMD", summary.Next, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_RealEngramWithoutACountAndARecallSample_SaysTheCountIsNotReportedAndNextIsRecallAll()
    {
        // A real Engram's Introspect reports 0 memories, so the count check is skipped; the recall sample is the evidence.
        var report = Report(
            engram: "http://engram:50051, space 'demo'",
            Passed("counts reconcile"),
            ValidationCheck.Skip(CheckNames.EngramCount, "Engram's Introspect reports no memory count"),
            Passed(CheckNames.RecallSample, ("sampled", 200), ("found", 198), ("merged", 2), ("missing", 0)));

        var summary = MigrationSummary.Of(report, Commands);

        Assert.Equal(995, summary.MemoriesExpected);
        Assert.Equal("not reported by Engram (its Introspect count is always 0); the recall sample found 198 of 200 loaded records under their own id, 2 merged into a near-duplicate, 0 missing.", summary.MemoriesHeld);
        Assert.EndsWith(": RECALL-ALL-CMD", summary.Next, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_RecallAllRan_HeldComesFromItAndNothingIsLeftToDo()
    {
        var report = Report(
            engram: "http://engram:50051, space 'demo'",
            Passed(CheckNames.RecallSample, ("sampled", 200), ("found", 200), ("merged", 0), ("missing", 0)),
            Passed(CheckNames.RecallAll, ("sampled", 1_000), ("found", 995), ("merged", 5), ("missing", 0)));

        var summary = MigrationSummary.Of(report, Commands);

        Assert.Contains("recall all found 995 of 1,000 loaded records under their own id, 5 merged", summary.MemoriesHeld, StringComparison.Ordinal);
        Assert.Equal("nothing to fix. Read the report: /snap/report/report.html", summary.Next);
    }

    [Fact]
    public void Of_EngramCountsMemoriesAndOneWasRefusedAtLoad_HeldIsTheCountAndExpectedIsTheChecksFigure()
    {
        var report = Report(
            engram: "http://localhost:50051, space 'test'",
            Passed(CheckNames.EngramCount, ("actual", 994), ("expected", 994), ("expectedLow", 990), ("expectedHigh", 996)),
            Passed(CheckNames.RecallSample, ("sampled", 200), ("found", 200), ("merged", 0), ("missing", 0)));

        var summary = MigrationSummary.Of(report, Commands);

        Assert.Equal(994, summary.MemoriesExpected);
        Assert.Equal("1,000 memories embedded, 5 expected to merge into a near-duplicate, 1 refused at load", summary.ExpectedWhy);
        Assert.Equal("994 (Engram's Introspect count of the space).", summary.MemoriesHeld);
    }

    [Fact]
    public void Of_ACheckFailed_NextNamesItAndTheCommandToCheckAgain()
    {
        var report = Report(
            engram: "http://engram:50051, space 'demo'",
            Passed("counts reconcile"),
            new ValidationCheck(CheckNames.RecallSample, CheckStatus.Failed, "3 did not come back", new Dictionary<string, double> { ["sampled"] = 200, ["found"] = 197, ["merged"] = 0, ["missing"] = 3 }, []));

        var summary = MigrationSummary.Of(report, Commands);

        Assert.Contains("3 missing", summary.MemoriesHeld, StringComparison.Ordinal);
        Assert.Equal("fix what the failed check 'recall sample' says above (also in /snap/report/report.html), then check again: VALIDATE-CMD", summary.Next);
    }

    [Fact]
    public void Write_Summary_FourLinesEndingWithTheNextCommand()
    {
        var summary = MigrationSummary.Of(Report(engram: null, Passed("counts reconcile")), Commands);
        using var output = new StringWriter();

        summary.Write(output);

        var lines = output.ToString().TrimEnd().Split(Environment.NewLine);
        Assert.Equal(
            [
                "Records in:        1,010 (source rows)",
                "Memories expected: 995 (1,000 memories embedded, 5 expected to merge into a near-duplicate)",
                "Memories held:     none: not loaded into Engram (vectors only).",
                "Next: load the vectors into an Engram (this resumes the snapshot; extract and embed are done): LOAD-CMD",
            ],
            lines);
    }

    private static ValidationCheck Passed(string name, params (string Key, double Value)[] figures)
        => new(name, CheckStatus.Passed, "fine", figures.ToDictionary(f => f.Key, f => f.Value), []);

    /// <summary>Two sources, 1,010 source rows, 1,000 memories of which 5 are predicted to merge.</summary>
    private static ValidationReport Report(string? engram, params ValidationCheck[] checks) => new()
    {
        MigrationId = "m",
        SnapshotFolder = "/snap",
        Engram = engram,
        Checks = checks,
        Sources =
        [
            new SourceReconciliation("crm", 1, 1, 610, 600, 0, 10, 600, 0, 600, 0, 10, 10, 0),
            new SourceReconciliation("kb", 1, 1, 400, 400, 0, 0, 400, 0, 400, 0, 0, 0, 0),
        ],
        Rejects = [],
        NearDuplicates = new NearDuplicateSummary(0.95, "Skip", 1_000, 3, 4, 5, 995, 994, 997, 0.92, true, []),
        Throughput = [],
    };
}
