using static EngramBulkLoad.Validation.Tests.TestSupport;

namespace EngramBulkLoad.Validation.Tests;

/// <summary>report.html and report.md for people: failures on top, long lists of ids folded away.</summary>
public sealed class ReportLayoutTests
{
    [Fact]
    public async Task Html_FailedCheckAfterPassedOnes_ComesFirstAndLongListFolds()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await snapshot.AddPartAsync("notes.jsonl", 0, ValidationSnapshot.Records("notes", "notes.jsonl", 0, 5, seed: 3), Token);
        var real = await Validator.RunAsync(snapshot.Store, null, new ValidationOptions { ExpectLoaded = false }, TimeProvider.System, Token).WaitAsync(TestTimeout, Token);
        var ids = Enumerable.Range(0, 40).Select(i => $"ebl_{i:x32}").ToList();
        var report = new ValidationReport
        {
            MigrationId = real.MigrationId,
            SnapshotFolder = real.SnapshotFolder,
            Checks =
            [
                new ValidationCheck("ids well formed", CheckStatus.Passed, "all fine", new Dictionary<string, double>(), ["one"]),
                new ValidationCheck("recall by own vector", CheckStatus.Warning, "two not found", new Dictionary<string, double>(), ["a", "b"]),
                new ValidationCheck("memories in Engram", CheckStatus.Failed, "40 memories missing", new Dictionary<string, double>(), ids),
            ],
            Sources = real.Sources,
            Rejects = real.Rejects,
            NearDuplicates = real.NearDuplicates,
            Throughput = real.Throughput,
        };

        var html = ValidationReportWriter.Html(report);
        var markdown = ValidationReportWriter.Markdown(report);

        Assert.True(html.IndexOf("memories in Engram", StringComparison.Ordinal) < html.IndexOf("recall by own vector", StringComparison.Ordinal));
        Assert.True(html.IndexOf("recall by own vector", StringComparison.Ordinal) < html.IndexOf("ids well formed", StringComparison.Ordinal));
        Assert.Contains("<details><summary>40 listed</summary>", html, StringComparison.Ordinal);
        // Short lists stay open: exactly one folded list.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "<details>"));
        Assert.True(markdown.IndexOf("| memories in Engram | failed |", StringComparison.Ordinal) < markdown.IndexOf("| ids well formed | passed |", StringComparison.Ordinal));
    }
}
