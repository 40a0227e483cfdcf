using static EngramBulkLoad.Validation.Tests.TestSupport;

namespace EngramBulkLoad.Validation.Tests;

/// <summary>report.html as a browser lays it out: the verdict, and a failed check, on the first screen (1280×800).</summary>
public sealed class ReportInBrowserTests
{
    private const string Verdict = "#verdict";
    private const string FirstFailed = "#attention tr.check td.failed";

    [Fact]
    public async Task Html_PassingReport_VerdictOnTheFirstScreen()
    {
        var chromium = HeadlessChromium.Require();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var report = await RealReportAsync(snapshot);
        Assert.True(report.Passed);
        var written = await ValidationReportWriter.WriteAsync(report, Path.Combine(snapshot.Folder, "report"), Token);

        var boxes = await HeadlessChromium.MeasureAsync(chromium, written[2], [Verdict, FirstFailed], Token).WaitAsync(TestTimeout, Token);

        var verdict = Assert.IsType<Box>(boxes[Verdict]);
        Assert.StartsWith("Validation PASSED", verdict.Text, StringComparison.Ordinal);
        Assert.InRange(verdict.Top, 0, HeadlessChromium.ScreenHeight);
        Assert.InRange(verdict.Bottom, verdict.Top, HeadlessChromium.ScreenHeight);
        Assert.Null(boxes[FirstFailed]);
    }

    [Fact]
    public async Task Html_FailingReportWithWarningsAndLongLists_VerdictAndTheFailedCheckOnTheFirstScreen()
    {
        var chromium = HeadlessChromium.Require();
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var real = await RealReportAsync(snapshot);
        var missing = Enumerable.Range(0, 40).Select(i => $"ebl_{i:x32} (notes/notes.jsonl key {i}): not among the top 10 for its own vector").ToList();
        // The failed check ran last, after the real ones (a warning with a listed group among them): the report must still lead with it.
        var failed = new ValidationCheck("recall sample", CheckStatus.Failed, "Expected each of 200 sampled records among the top 10 for its own vector; 40 did not come back (listed): those memories are lost. Re-load the parts that hold them.", new Dictionary<string, double> { ["sampled"] = 200, ["missing"] = 40 }, missing);
        var report = ReportContentTests.Copy(real, checks: [.. real.Checks, failed]);
        var written = await ValidationReportWriter.WriteAsync(report, Path.Combine(snapshot.Folder, "report"), Token);

        var boxes = await HeadlessChromium.MeasureAsync(chromium, written[2], [Verdict, FirstFailed, "#attention tr.check td.warning"], Token).WaitAsync(TestTimeout, Token);

        var verdict = Assert.IsType<Box>(boxes[Verdict]);
        Assert.StartsWith("Validation FAILED", verdict.Text, StringComparison.Ordinal);
        Assert.InRange(verdict.Bottom, 0, HeadlessChromium.ScreenHeight);
        var check = Assert.IsType<Box>(boxes[FirstFailed]);
        Assert.Equal("failed", check.Text.Trim());
        Assert.InRange(check.Bottom, verdict.Bottom, HeadlessChromium.ScreenHeight);
        // The warning is listed too, after the failure.
        Assert.True(Assert.IsType<Box>(boxes["#attention tr.check td.warning"]).Top > check.Top);
    }

    /// <summary>A validated snapshot with a near-duplicate group (a warning) and two sources' worth of tables after it.</summary>
    private static async Task<ValidationReport> RealReportAsync(ValidationSnapshot snapshot)
    {
        var notes = ValidationSnapshot.Records("notes", "notes.jsonl", 0, 20, seed: 7);
        await snapshot.AddPartAsync("notes.jsonl", 0, [.. notes, ValidationSnapshot.Record("notes", "notes.jsonl", "again", notes[0].Content)], Token);
        await snapshot.AddPartAsync("public.customers", 0, ValidationSnapshot.Records("crm", "public.customers", 0, 20, seed: 8), Token);
        return await Validator.RunAsync(snapshot.Store, null, new ValidationOptions { ExpectLoaded = false }, TimeProvider.System, Token).WaitAsync(TestTimeout, Token);
    }
}
