using System.Globalization;
using System.Net;
using System.Text;

namespace EngramBulkLoad.Validation.Report;

/// <summary>
/// report.html: the verdict and the checks that need attention on the first screen, then one reconciliation
/// table per source, a throughput chart per stage, the near-duplicate groups folded, and the other checks.
/// Self-contained (inline CSS and SVG, no script); every text from the data is HTML-encoded.
/// </summary>
internal static class HtmlReport
{
    private const string Style = "body{font-family:system-ui,sans-serif;margin:1.5em 2em;max-width:80em;line-height:1.35}h1{font-size:1.6em;margin:0 0 .2em}"
        + "table{border-collapse:collapse;margin:.6em 0 1em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}"
        + "td.passed,h1.passed{color:#176f2c}td.failed,h1.failed{color:#b00020;font-weight:bold}td.warning{color:#9a6700;font-weight:bold}td.skipped{color:#666}tr.not-yet td:last-child{color:#666}"
        + "#verdict{border-left:.5em solid;padding:.4em 1em;margin-bottom:1em}#verdict.passed{border-color:#176f2c;background:#eef8f0}#verdict.failed{border-color:#b00020;background:#fdeef0}"
        + "#verdict p{margin:.2em 0;color:#222;font-weight:normal}figure{margin:.5em 0 1em}figcaption{font-weight:bold}tr.no td:last-child{color:#b00020;font-weight:bold}"
        + "details{margin:.5em 0}summary{cursor:pointer}.members td{font-size:.92em}code{font-size:.92em}";

    public static string Render(ValidationReport report, string nearDuplicatesHref)
    {
        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">");
        html.AppendLine(c, $"<title>{Verdict(report)}: validation of {E(report.MigrationId)}</title><style>{Style}</style></head><body>");
        Head(html, report);
        Attention(html, report);
        Sources(html, report);
        Rejects(html, report);
        html.AppendLine("<section id=\"throughput\"><h2>Throughput per stage</h2>");
        html.AppendLine(ThroughputChart.Svgs(report.Throughput));
        html.AppendLine("</section>");
        NearDuplicates(html, report, nearDuplicatesHref);
        OtherChecks(html, report);
        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private static void Head(StringBuilder html, ValidationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var state = report.Passed ? "passed" : "failed";
        html.AppendLine(c, $"<header id=\"verdict\" class=\"{state}\"><h1 class=\"{state}\">Validation {Verdict(report)}</h1>");
        html.AppendLine(c, $"<p>Migration <code>{E(report.MigrationId)}</code>: {E(ReportText.Tally(report.Checks))}</p>");
        html.AppendLine(c, $"<p>Snapshot <code>{E(report.SnapshotFolder)}</code>{(report.Shard is null ? string.Empty : $" (shard {E(report.Shard)})")}; model {E(report.Model ?? "none")}; Engram {E(report.Engram ?? "not asked (snapshot only)")}; validated at {report.CreatedAt:u}.</p></header>");
    }

    private static void Attention(StringBuilder html, ValidationReport report)
        => ChecksSection(html, "attention", "Failed and warning checks", ReportText.Attention(report.Checks), "None: every check passed or was skipped (skipped checks are listed at the end, with why).");

    private static void OtherChecks(StringBuilder html, ValidationReport report)
        => ChecksSection(html, "other-checks", "Skipped and passed checks", [.. ValidationReportWriter.FailuresFirst(report.Checks).Where(check => check.Status is CheckStatus.Skipped or CheckStatus.Passed)], "None.");

    private static void ChecksSection(StringBuilder html, string id, string title, IReadOnlyList<ValidationCheck> checks, string none)
    {
        html.AppendLine(CultureInfo.InvariantCulture, $"<section id=\"{id}\"><h2>{title}</h2>");
        if (checks.Count == 0)
        {
            html.AppendLine(CultureInfo.InvariantCulture, $"<p>{none}</p></section>");
            return;
        }

        ChecksTable(html, checks);
        html.AppendLine("</section>");
    }

    private static void ChecksTable(StringBuilder html, IEnumerable<ValidationCheck> checks)
    {
        var c = CultureInfo.InvariantCulture;
        html.AppendLine("<table><tr><th>check</th><th>status</th><th>what was expected, found, and what to do</th><th>figures</th></tr>");
        foreach (var check in checks)
        {
            var status = ReportText.Status(check.Status);
            var figures = string.Join("<br>", check.Figures.Select(f => $"{E(f.Key)}: {f.Value.ToString("0.######", c)}"));
            html.AppendLine(c, $"<tr class=\"check {status}\"><td>{E(check.Name)}</td><td class=\"{status}\">{status}</td><td>{E(check.Message)}{Examples(check.Examples)}</td><td>{figures}</td></tr>");
        }

        html.AppendLine("</table>");
    }

    private static void Sources(StringBuilder html, ValidationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        html.AppendLine("<section id=\"sources\"><h2>Reconciliation per source</h2>");
        html.AppendLine("<p>Per stage: what went in = what came out + what was rejected (+ what was set aside, such as rows that only carry a relationship). Rejects are listed by reason below.</p>");
        if (report.Sources.Count == 0)
        {
            html.AppendLine("<p>No parts in the snapshot: nothing was extracted.</p>");
        }

        foreach (var source in report.Sources)
        {
            html.AppendLine(c, $"<h3>{E(source.Source)}</h3><p>{ReportText.Parts(source)}</p>");
            html.Append("<table class=\"reconciliation\"><tr>");
            html.AppendJoin(string.Empty, StageRows.Columns.Select(column => $"<th>{E(column)}</th>"));
            html.AppendLine("</tr>");
            foreach (var row in StageRows.Of(source))
            {
                html.Append(c, $"<tr class=\"{row.State switch { Reconciliation.Yes => "yes", Reconciliation.No => "no", _ => "not-yet" }}\" title=\"{E(row.Meaning)}\">");
                html.AppendJoin(string.Empty, row.Cells.Select((cell, i) => i is > 0 and < 4 ? $"<td class=\"n\">{E(cell)}</td>" : $"<td>{E(cell)}</td>"));
                html.AppendLine("</tr>");
            }

            html.AppendLine("</table>");
        }

        html.AppendLine("</section>");
    }

    private static void Rejects(StringBuilder html, ValidationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        html.AppendLine("<section id=\"rejects\"><h2>Rejects by reason</h2>");
        if (report.Rejects.Count == 0)
        {
            html.AppendLine("<p>No rejects.</p></section>");
            return;
        }

        html.AppendLine("<table><tr><th>source</th><th>stage</th><th>code</th><th>count</th><th>first one</th></tr>");
        foreach (var r in report.Rejects)
        {
            html.AppendLine(c, $"<tr><td>{E(r.Source)}</td><td>{E(r.Stage)}</td><td>{E(r.Code)}</td><td class=\"n\">{r.Count:N0}</td><td>{E(r.Example)}</td></tr>");
        }

        html.AppendLine("</table></section>");
    }

    private static void NearDuplicates(StringBuilder html, ValidationReport report, string href)
    {
        var c = CultureInfo.InvariantCulture;
        var n = report.NearDuplicates;
        html.AppendLine(c, $"<section id=\"near-duplicates\"><h2>Near-duplicates</h2><p>{E(ReportText.NearDuplicateSummary(n))} All groups: <a href=\"{E(href)}\">near-duplicates.json</a>.</p>");
        var shown = NearDuplicateListing.Largest(n.FirstGroups);
        if (shown.Count > 0)
        {
            html.AppendLine(c, $"<details><summary>{(shown.Count < n.Groups ? $"The {shown.Count:N0} largest of {n.Groups:N0} groups" : $"All {n.Groups:N0} groups")}, largest first</summary>");
            var number = 0;
            foreach (var group in shown)
            {
                number++;
                html.AppendLine(c, $"<h4>Group {number}: {group.Members.Count:N0} memories, {group.ExactDuplicates:N0} with the same text as an earlier one{(group.IsClique ? string.Empty : "; a chain (not every pair is within the threshold)")}</h4>");
                html.AppendLine("<table class=\"members\"><tr><th>memory id</th><th>source</th><th>fate</th><th>text begins</th></tr>");
                foreach (var member in group.Members.Take(NearDuplicateListing.MembersPerGroup))
                {
                    var glimpse = n.Members.GetValueOrDefault(member.MemoryId);
                    var source = glimpse is null ? "not found in the records" : $"{glimpse.Source}/{glimpse.Collection} key {glimpse.SourceKey}";
                    html.AppendLine(c, $"<tr><td><code>{E(member.MemoryId)}</code></td><td>{E(source)}</td><td>{E(NearDuplicateListing.Fate(member))}</td><td>{E(glimpse?.Excerpt ?? string.Empty)}</td></tr>");
                }

                html.AppendLine("</table>");
                if (group.Members.Count > NearDuplicateListing.MembersPerGroup)
                {
                    html.AppendLine(c, $"<p>and {group.Members.Count - NearDuplicateListing.MembersPerGroup:N0} more members (in near-duplicates.json).</p>");
                }
            }

            html.AppendLine("</details>");
        }

        html.AppendLine("</section>");
    }

    /// <summary>A check's listed items; a long list folds away behind its count, so the table stays readable.</summary>
    private static string Examples(IReadOnlyList<string> examples)
    {
        if (examples.Count == 0)
        {
            return string.Empty;
        }

        var list = "<ul>" + string.Concat(examples.Select(example => $"<li><code>{E(example)}</code></li>")) + "</ul>";
        return examples.Count <= ValidationReportWriter.OpenListLength ? list : $"<details><summary>{examples.Count.ToString(CultureInfo.InvariantCulture)} listed</summary>{list}</details>";
    }

    private static string Verdict(ValidationReport report) => report.Passed ? "PASSED" : "FAILED";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
