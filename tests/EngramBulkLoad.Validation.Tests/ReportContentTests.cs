using System.Text.RegularExpressions;
using EngramBulkLoad.Validation.Report;
using static EngramBulkLoad.Validation.Tests.TestSupport;

namespace EngramBulkLoad.Validation.Tests;

/// <summary>What report.html and report.md hold after the verdict: a table per source, a chart per stage, the near-duplicate groups.</summary>
public sealed partial class ReportContentTests
{
    [Fact]
    public async Task Html_TwoSourcesNotLoaded_OneReconciliationTablePerSourceWithAStageRowEach()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await snapshot.AddPartAsync("public.customers", 0, ValidationSnapshot.Records("crm", "public.customers", 0, 12, seed: 1), Token);
        await snapshot.AddPartAsync("public.customers", 1, ValidationSnapshot.Records("crm", "public.customers", 12, 8, seed: 2), Token);
        await snapshot.AddPartAsync("notes.jsonl", 0, ValidationSnapshot.Records("notes", "notes.jsonl", 0, 5, seed: 3), Token);
        var report = await ValidateAsync(snapshot);

        var html = ValidationReportWriter.Html(report);
        var markdown = ValidationReportWriter.Markdown(report);

        Assert.Equal(2, Regex.Count(html, "<table class=\"reconciliation\">"));
        Assert.Contains("<h3>crm</h3><p>2 parts, 0 loaded.</p>", html, StringComparison.Ordinal);
        Assert.Contains("<td>embed</td><td class=\"n\">20</td><td class=\"n\">20</td><td class=\"n\">0</td><td>0</td><td>yes</td>", html, StringComparison.Ordinal);
        // Embedded but not loaded: the load row says the stage has not run yet rather than that records were lost.
        Assert.Contains("<td>load</td><td class=\"n\">20</td><td class=\"n\">0</td><td class=\"n\">0</td><td>0</td><td>not yet: 0 of 2 parts loaded</td>", html, StringComparison.Ordinal);
        Assert.Equal(4, Regex.Count(Section(html, "sources").Split("<h3>notes</h3>")[1], "<tr class=\""));
        Assert.Contains("### notes: 1 part, 0 loaded.", markdown, StringComparison.Ordinal);
        Assert.Contains("| embed | 5 | 5 | 0 | 0 | yes |", markdown, StringComparison.Ordinal);
        // The sections come in the order people read them.
        Assert.True(html.IndexOf("id=\"verdict\"", StringComparison.Ordinal) < html.IndexOf("id=\"attention\"", StringComparison.Ordinal));
        Assert.True(html.IndexOf("id=\"attention\"", StringComparison.Ordinal) < html.IndexOf("id=\"sources\"", StringComparison.Ordinal));
        Assert.True(html.IndexOf("id=\"sources\"", StringComparison.Ordinal) < html.IndexOf("id=\"throughput\"", StringComparison.Ordinal));
        Assert.True(html.IndexOf("id=\"throughput\"", StringComparison.Ordinal) < html.IndexOf("id=\"near-duplicates\"", StringComparison.Ordinal));
    }

    [Fact]
    public void StageRows_AllPartsLoadedButCountsDoNotAddUp_SayNoWithTheDifference()
    {
        var source = new SourceReconciliation("crm", Parts: 2, PartsLoaded: 2, SourceRows: 110, Staged: 100, ExtractRejected: 7, StandaloneEdges: 3, Embedded: 98, EmbedRejected: 1, Loaded: 98, LoadRejected: 0, Edges: 10, Associations: 9, AssociationsRejected: 1);

        var rows = StageRows.Of(source);

        Assert.Equal(["extract", "embed", "load", "associate"], rows.Select(row => row.Stage));
        Assert.Equal(["extract", "110", "100", "7", "3 standalone edges", "yes"], rows[0].Cells);
        Assert.Equal(Reconciliation.No, rows[1].State);
        Assert.Equal("no: 100 in, 99 accounted for (-1)", rows[1].Cells[^1]);
        Assert.Equal(Reconciliation.Yes, rows[2].State);
        Assert.Equal(Reconciliation.Yes, rows[3].State);
    }

    [Fact]
    public void StageRows_EdgesRemappedAndRejectedForMergedEnds_AssociateRowReconcilesAndSaysSo()
    {
        var source = new SourceReconciliation("crm", Parts: 1, PartsLoaded: 1, SourceRows: 20, Staged: 20, ExtractRejected: 0, StandaloneEdges: 0, Embedded: 20, EmbedRejected: 0, Loaded: 20, LoadRejected: 0, Edges: 10, Associations: 6, AssociationsRejected: 2)
        {
            AssociationsRemapped = 2,
            EdgesRejectedMerged = 1,
        };

        var associate = StageRows.Of(source)[3];

        Assert.Equal(Reconciliation.Yes, associate.State);
        Assert.Equal(["associate", "10", "6", "2 (1 edges rejected: end merged)", "2 associations remapped (end merged by Engram)", "yes"], associate.Cells);
    }

    [Fact]
    public async Task Html_ThroughputOfThreeStages_OneChartPerStageWithItsPeakAndMean()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await snapshot.AddPartAsync("notes.jsonl", 0, ValidationSnapshot.Records("notes", "notes.jsonl", 0, 30, seed: 3), Token);
        await snapshot.AddPartAsync("notes.jsonl", 1, ValidationSnapshot.Records("notes", "notes.jsonl", 30, 30, seed: 4), Token);
        var real = await ValidateAsync(snapshot);
        // Extract finishes 60 records in the first second, then stays idle; load works at 10 records/s for 3 seconds.
        ThroughputSeries Series(string stage, params double[] rates) => new(stage, [.. rates.Select((rate, i) => new ThroughputPoint(i + 1, rate))]);
        var report = Copy(real, throughput: [Series("extract", 60, 0, 0, 0), Series("embed", 0, 30, 30, 0), Series("load", 0, 10, 10, 10)]);

        var html = ValidationReportWriter.Html(report);
        var markdown = ValidationReportWriter.Markdown(report);

        Assert.Equal(3, Regex.Count(html, "<figure class=\"stage-chart\""));
        Assert.Equal(3, Regex.Count(html, "<svg "));
        // The mean is over the stage's busy span: idle time before or after it is not counted against it.
        Assert.Contains("<figcaption>extract: peak 60 records/s, mean 60 records/s while busy</figcaption>", html, StringComparison.Ordinal);
        Assert.Contains("<figcaption>load: peak 10 records/s, mean 10 records/s while busy</figcaption>", html, StringComparison.Ordinal);
        Assert.Contains("- embed: peak 30 records/s, mean 30 records/s while busy", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ThirtyGroupsOfSameTexts_LargestTwentyFiveFoldedWithSourceAndTextAndALinkThatResolves()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var originals = ValidationSnapshot.Records("notes", "notes.jsonl", 0, 30, seed: 5);
        // The last original is copied three times (a group of 4), every other one once (groups of 2).
        var copies = originals.SelectMany((record, i) => Enumerable.Range(0, i == 29 ? 3 : 1).Select(copy => ValidationSnapshot.Record("notes", "notes.jsonl", $"copy-{i}-{copy}", record.Content))).ToList();
        await snapshot.AddPartAsync("notes.jsonl", 0, originals, Token);
        await snapshot.AddPartAsync("notes.jsonl", 1, copies, Token);
        var report = await ValidateAsync(snapshot);
        var folder = Path.Combine(snapshot.Folder, "report");

        var written = await ValidationReportWriter.WriteAsync(report, folder, Token);

        var html = await File.ReadAllTextAsync(written[2], Token);
        var section = Section(html, "near-duplicates");
        Assert.Equal(30, report.NearDuplicates.Groups);
        Assert.Contains("<details><summary>The 25 largest of 30 groups, largest first</summary>", section, StringComparison.Ordinal);
        Assert.Equal(25, Regex.Count(section, "<h4>Group "));
        Assert.Contains("<h4>Group 1: 4 memories, 3 with the same text as an earlier one</h4>", section, StringComparison.Ordinal);
        var largest = originals[29];
        Assert.Contains($"<td><code>{largest.MemoryId}</code></td><td>notes/notes.jsonl key 29</td><td>held</td><td>{largest.Content}</td>", section, StringComparison.Ordinal);
        Assert.Contains($"<td>notes/notes.jsonl key copy-29-2</td><td>merges into {largest.MemoryId} (same text)</td>", section, StringComparison.Ordinal);
        var href = LinkTo(section);
        Assert.Equal("../near-duplicates.json", href);
        Assert.True(File.Exists(Path.Combine(folder, href)), $"report.html links to {href}, which does not resolve from {folder}");
        var markdown = await File.ReadAllTextAsync(written[1], Token);
        Assert.Contains("[near-duplicates.json](../near-duplicates.json)", markdown, StringComparison.Ordinal);
        Assert.Contains($"- `{largest.MemoryId}` notes/notes.jsonl key 29: held: \"{largest.Content}\"", markdown, StringComparison.Ordinal);
        Assert.Contains("The 25 largest of 30 groups are listed", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ReportFolderOutsideTheSnapshot_LinkToTheGroupsStillResolves()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        var originals = ValidationSnapshot.Records("notes", "notes.jsonl", 0, 3, seed: 6);
        await snapshot.AddPartAsync("notes.jsonl", 0, [.. originals, ValidationSnapshot.Record("notes", "notes.jsonl", "again", originals[0].Content)], Token);
        var report = await ValidateAsync(snapshot);
        var folder = Directory.CreateTempSubdirectory("ebl-report elsewhere ").FullName;
        try
        {
            var written = await ValidationReportWriter.WriteAsync(report, folder, Token);

            var href = LinkTo(Section(await File.ReadAllTextAsync(written[2], Token), "near-duplicates"));
            Assert.True(File.Exists(Path.Combine(folder, Uri.UnescapeDataString(href))), $"report.html links to {href}, which does not resolve from {folder}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Html_MarkupInMessagesAndNames_IsEscaped()
    {
        await using var snapshot = await ValidationSnapshot.CreateAsync(Token);
        await snapshot.AddPartAsync("notes.jsonl", 0, ValidationSnapshot.Records("notes", "notes.jsonl", 0, 3, seed: 3), Token);
        var real = await ValidateAsync(snapshot);
        var report = Copy(
            real,
            checks: [new ValidationCheck("<b>bold</b> check", CheckStatus.Failed, "found <script>alert(1)</script> & more", new Dictionary<string, double>(), ["<img src=x onerror=alert(1)>"])],
            sources: [.. real.Sources.Select(s => s with { Source = "<i>src</i>" })]);

        var html = ValidationReportWriter.Html(report);

        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>bold", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>src", html, StringComparison.Ordinal);
        Assert.Contains("found &lt;script&gt;alert(1)&lt;/script&gt; &amp; more", html, StringComparison.Ordinal);
        Assert.Contains("<h3>&lt;i&gt;src&lt;/i&gt;</h3>", html, StringComparison.Ordinal);
    }

    internal static ValidationReport Copy(ValidationReport real, IReadOnlyList<ValidationCheck>? checks = null, IReadOnlyList<ThroughputSeries>? throughput = null, IReadOnlyList<SourceReconciliation>? sources = null)
        => new()
        {
            MigrationId = real.MigrationId,
            SnapshotFolder = real.SnapshotFolder,
            CreatedAt = real.CreatedAt,
            Checks = checks ?? real.Checks,
            Sources = sources ?? real.Sources,
            Rejects = real.Rejects,
            NearDuplicates = real.NearDuplicates,
            Throughput = throughput ?? real.Throughput,
        };

    private static string Section(string html, string id)
    {
        var start = html.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id}");
        return html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private static string LinkTo(string section) => System.Net.WebUtility.HtmlDecode(HrefPattern().Match(section).Groups[1].Value);

    [GeneratedRegex("<a href=\"([^\"]*)\">near-duplicates.json</a>")]
    private static partial Regex HrefPattern();

    private static Task<ValidationReport> ValidateAsync(ValidationSnapshot snapshot)
        => Validator.RunAsync(snapshot.Store, null, new ValidationOptions { ExpectLoaded = false }, TimeProvider.System, Token).WaitAsync(TestTimeout, Token);
}
