using System.Globalization;
using System.Text;

namespace EngramBulkLoad.Validation.Report;

/// <summary>report.md: the same sections as report.html, in the same order, for a terminal or a pull request.</summary>
internal static class MarkdownReport
{
    public static string Render(ValidationReport report, string nearDuplicatesHref)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Validation {(report.Passed ? "PASSED" : "FAILED")}: migration `{report.MigrationId}`");
        md.AppendLine();
        md.AppendLine(ReportText.Tally(report.Checks));
        md.AppendLine();
        md.AppendLine(c, $"- snapshot: `{report.SnapshotFolder}`{(report.Shard is null ? string.Empty : $" (shard {report.Shard})")}");
        md.AppendLine(c, $"- model: {report.Model ?? "none (not embedded)"}");
        md.AppendLine(c, $"- Engram: {report.Engram ?? "not asked (snapshot only)"}");
        md.AppendLine(c, $"- validated at {report.CreatedAt:u}");
        md.AppendLine();
        md.AppendLine("## Failed and warning checks");
        md.AppendLine();
        var attention = ReportText.Attention(report.Checks);
        if (attention.Count == 0)
        {
            md.AppendLine("None: every check passed or was skipped (see the end, with why).");
        }
        else
        {
            Checks(md, attention);
        }

        md.AppendLine();
        md.AppendLine("## Reconciliation per source");
        md.AppendLine();
        md.AppendLine("Per stage: in = out + rejected (+ set aside, such as rows that only carry a relationship).");
        foreach (var source in report.Sources)
        {
            md.AppendLine();
            md.AppendLine(c, $"### {source.Source}: {ReportText.Parts(source)}");
            md.AppendLine();
            md.AppendLine("| " + string.Join(" | ", StageRows.Columns) + " |");
            md.AppendLine("|" + string.Concat(StageRows.Columns.Select(_ => " --- |")));
            foreach (var row in StageRows.Of(source))
            {
                md.AppendLine("| " + string.Join(" | ", row.Cells.Select(Cell)) + " |");
            }
        }

        md.AppendLine();
        md.AppendLine("## Rejects by reason");
        md.AppendLine();
        if (report.Rejects.Count == 0)
        {
            md.AppendLine("No rejects.");
        }
        else
        {
            md.AppendLine("| source | stage | code | count | first one |");
            md.AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var r in report.Rejects)
            {
                md.AppendLine(c, $"| {Cell(r.Source)} | {r.Stage} | {r.Code} | {r.Count:N0} | {Cell(r.Example)} |");
            }
        }

        md.AppendLine();
        md.AppendLine("## Throughput per stage");
        md.AppendLine();
        foreach (var series in report.Throughput)
        {
            md.AppendLine(c, $"- {series.Stage}: peak {ThroughputChart.Peak(series):N0} records/s, mean {ThroughputChart.Mean(series):N0} records/s while busy (chart in report.html)");
        }

        if (report.Throughput.Count == 0)
        {
            md.AppendLine("No stage timestamps in the manifest.");
        }

        NearDuplicates(md, report.NearDuplicates, nearDuplicatesHref);
        md.AppendLine();
        md.AppendLine("## Skipped and passed checks");
        md.AppendLine();
        Checks(md, [.. ValidationReportWriter.FailuresFirst(report.Checks).Where(check => check.Status is CheckStatus.Skipped or CheckStatus.Passed)]);
        return md.ToString();
    }

    private static void Checks(StringBuilder md, IReadOnlyList<ValidationCheck> checks)
    {
        md.AppendLine("| check | status | what was expected, found, and what to do |");
        md.AppendLine("| --- | --- | --- |");
        foreach (var check in checks)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {check.Name} | {ReportText.Status(check.Status)} | {Cell(check.Message)} |");
        }

        foreach (var check in checks.Where(check => check.Examples.Count > 0))
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"{check.Name}, listed:");
            md.AppendLine();
            foreach (var example in check.Examples)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {example}");
            }
        }
    }

    private static void NearDuplicates(StringBuilder md, NearDuplicateSummary n, string href)
    {
        var c = CultureInfo.InvariantCulture;
        md.AppendLine();
        md.AppendLine("## Near-duplicates");
        md.AppendLine();
        md.AppendLine(c, $"{ReportText.NearDuplicateSummary(n)} All groups: [near-duplicates.json]({href}).");
        var shown = NearDuplicateListing.Largest(n.FirstGroups);
        var number = 0;
        foreach (var group in shown)
        {
            number++;
            md.AppendLine();
            md.AppendLine(c, $"Group {number} ({group.Members.Count:N0} memories):");
            md.AppendLine();
            foreach (var member in group.Members.Take(NearDuplicateListing.MembersPerGroup))
            {
                var glimpse = n.Members.GetValueOrDefault(member.MemoryId);
                md.AppendLine(c, $"- `{member.MemoryId}` {(glimpse is null ? "(record not found)" : $"{glimpse.Source}/{glimpse.Collection} key {glimpse.SourceKey}")}: {NearDuplicateListing.Fate(member)}{(glimpse is null ? string.Empty : $": \"{glimpse.Excerpt}\"")}");
            }

            if (group.Members.Count > NearDuplicateListing.MembersPerGroup)
            {
                md.AppendLine(c, $"- and {group.Members.Count - NearDuplicateListing.MembersPerGroup:N0} more (in near-duplicates.json)");
            }
        }

        if (shown.Count < n.Groups)
        {
            md.AppendLine();
            md.AppendLine(c, $"The {shown.Count:N0} largest of {n.Groups:N0} groups are listed; all are in near-duplicates.json.");
        }
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
