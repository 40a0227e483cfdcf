using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EngramBulkLoad.Validation;

/// <summary>Writes a <see cref="ValidationReport"/> as report.json (for machines), report.md and report.html (for people; the HTML is self-contained, with an inline SVG chart of throughput).</summary>
public static class ValidationReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Writes report.json, report.md and report.html into <paramref name="folder"/> (created if missing).</summary>
    /// <returns>The paths written, JSON first.</returns>
    public static async Task<IReadOnlyList<string>> WriteAsync(ValidationReport report, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, "report.json");
        var markdown = Path.Combine(folder, "report.md");
        var html = Path.Combine(folder, "report.html");
        await using (var stream = File.Create(json))
        {
            await JsonSerializer.SerializeAsync(stream, report, Json, cancellationToken);
        }

        await File.WriteAllTextAsync(markdown, Markdown(report), cancellationToken);
        await File.WriteAllTextAsync(html, Html(report), cancellationToken);
        return [json, markdown, html];
    }

    /// <summary>The report as Markdown.</summary>
    public static string Markdown(ValidationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.AppendLine(C, $"# Validation of migration `{report.MigrationId}`: {(report.Passed ? "PASSED" : "FAILED")}");
        md.AppendLine();
        md.AppendLine(C, $"- snapshot: `{report.SnapshotFolder}`{(report.Shard is null ? string.Empty : $" (shard {report.Shard})")}");
        md.AppendLine(C, $"- model: {report.Model ?? "none (not embedded)"}");
        md.AppendLine(C, $"- Engram: {report.Engram ?? "not asked (snapshot only)"}");
        md.AppendLine(C, $"- validated at {report.CreatedAt:u}");
        md.AppendLine();
        md.AppendLine("## Checks");
        md.AppendLine();
        md.AppendLine("| check | status | what was expected, found, and what to do |");
        md.AppendLine("| --- | --- | --- |");
        foreach (var check in FailuresFirst(report.Checks))
        {
            md.AppendLine(C, $"| {check.Name} | {Status(check.Status)} | {Cell(check.Message)} |");
        }

        foreach (var check in FailuresFirst(report.Checks).Where(check => check.Examples.Count > 0))
        {
            md.AppendLine();
            md.AppendLine(C, $"### {check.Name}: listed");
            md.AppendLine();
            foreach (var example in check.Examples)
            {
                md.AppendLine(C, $"- {example}");
            }
        }

        md.AppendLine();
        md.AppendLine("## Counts per source and stage");
        md.AppendLine();
        md.AppendLine("| source | parts (loaded) | source rows | staged | extract rejects | standalone edges | embedded | embed rejects | loaded | load rejects | edges | associations | associations remapped | edge rejects | edges rejected: end merged |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var s in report.Sources)
        {
            md.AppendLine(C, $"| {s.Source} | {s.Parts} ({s.PartsLoaded}) | {s.SourceRows:N0} | {s.Staged:N0} | {s.ExtractRejected:N0} | {s.StandaloneEdges:N0} | {s.Embedded:N0} | {s.EmbedRejected:N0} | {s.Loaded:N0} | {s.LoadRejected:N0} | {s.Edges:N0} | {s.Associations:N0} | {s.AssociationsRemapped:N0} | {s.AssociationsRejected:N0} | {s.EdgesRejectedMerged:N0} |");
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
                md.AppendLine(C, $"| {r.Source} | {r.Stage} | {r.Code} | {r.Count:N0} | {Cell(r.Example)} |");
            }
        }

        var n = report.NearDuplicates;
        md.AppendLine();
        md.AppendLine("## Near-duplicates");
        md.AppendLine();
        md.AppendLine(C, $"Engram merges a memory within cosine {n.Threshold} of one it holds ({n.Strategy}). {n.Groups} groups; {n.Folded:N0} of {n.LoadableMemories:N0} memories expected to merge ({n.ExactDuplicates:N0} identical texts); expected held {n.ExpectedHeld:N0} (any load order: {n.ExpectedHeldLow:N0} to {n.ExpectedHeldHigh:N0}). Recall of the search at the threshold: {n.RecallAtThreshold:0.00}{(n.Complete ? string.Empty : "; incomplete (candidate limit reached)")}. All groups: `near-duplicates.json` in the snapshot folder.");
        md.AppendLine();
        md.AppendLine("## Throughput");
        md.AppendLine();
        foreach (var series in report.Throughput)
        {
            var peak = series.Points.Count == 0 ? 0 : series.Points.Max(point => point.RecordsPerSecond);
            md.AppendLine(C, $"- {series.Stage}: peak {peak:N0} records/s (chart in report.html)");
        }

        if (report.Throughput.Count == 0)
        {
            md.AppendLine("No stage timestamps in the manifest.");
        }

        return md.ToString();
    }

    /// <summary>The report as a self-contained HTML page.</summary>
    public static string Html(ValidationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine(C, $"<title>Validation of {E(report.MigrationId)}</title>");
        html.AppendLine("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}.passed{color:#176f2c}.failed{color:#b00020;font-weight:bold}.warning{color:#9a6700}.skipped{color:#666}</style></head><body>");
        html.AppendLine(C, $"<h1>Migration <code>{E(report.MigrationId)}</code>: <span class=\"{(report.Passed ? "passed" : "failed")}\">{(report.Passed ? "PASSED" : "FAILED")}</span></h1>");
        html.AppendLine(C, $"<p>Snapshot <code>{E(report.SnapshotFolder)}</code>{(report.Shard is null ? string.Empty : $" (shard {E(report.Shard)})")}; model {E(report.Model ?? "none")}; Engram {E(report.Engram ?? "not asked (snapshot only)")}; validated at {report.CreatedAt:u}.</p>");
        html.AppendLine("<h2>Checks</h2><table><tr><th>check</th><th>status</th><th>what was expected, found, and what to do</th><th>figures</th></tr>");
        foreach (var check in FailuresFirst(report.Checks))
        {
            var figures = string.Join("<br>", check.Figures.Select(f => $"{E(f.Key)}: {f.Value.ToString("0.######", C)}"));
            var examples = Examples(check.Examples);
            html.AppendLine(C, $"<tr><td>{E(check.Name)}</td><td class=\"{Status(check.Status)}\">{Status(check.Status)}</td><td>{E(check.Message)}{examples}</td><td>{figures}</td></tr>");
        }

        html.AppendLine("</table><h2>Counts per source and stage</h2><table><tr><th>source</th><th>parts (loaded)</th><th>source rows</th><th>staged</th><th>extract rejects</th><th>standalone edges</th><th>embedded</th><th>embed rejects</th><th>loaded</th><th>load rejects</th><th>edges</th><th>associations</th><th>associations remapped</th><th>edge rejects</th><th>edges rejected: end merged</th></tr>");
        foreach (var s in report.Sources)
        {
            html.AppendLine(C, $"<tr><td>{E(s.Source)}</td><td>{s.Parts} ({s.PartsLoaded})</td><td>{s.SourceRows:N0}</td><td>{s.Staged:N0}</td><td>{s.ExtractRejected:N0}</td><td>{s.StandaloneEdges:N0}</td><td>{s.Embedded:N0}</td><td>{s.EmbedRejected:N0}</td><td>{s.Loaded:N0}</td><td>{s.LoadRejected:N0}</td><td>{s.Edges:N0}</td><td>{s.Associations:N0}</td><td>{s.AssociationsRemapped:N0}</td><td>{s.AssociationsRejected:N0}</td><td>{s.EdgesRejectedMerged:N0}</td></tr>");
        }

        html.AppendLine("</table><h2>Rejects by reason</h2>");
        if (report.Rejects.Count == 0)
        {
            html.AppendLine("<p>No rejects.</p>");
        }
        else
        {
            html.AppendLine("<table><tr><th>source</th><th>stage</th><th>code</th><th>count</th><th>first one</th></tr>");
            foreach (var r in report.Rejects)
            {
                html.AppendLine(C, $"<tr><td>{E(r.Source)}</td><td>{E(r.Stage)}</td><td>{E(r.Code)}</td><td>{r.Count:N0}</td><td>{E(r.Example)}</td></tr>");
            }

            html.AppendLine("</table>");
        }

        var n = report.NearDuplicates;
        html.AppendLine(C, $"<h2>Near-duplicates</h2><p>Engram merges a memory within cosine {n.Threshold} of one it holds ({E(n.Strategy)}). {n.Groups} groups; {n.Folded:N0} of {n.LoadableMemories:N0} memories expected to merge ({n.ExactDuplicates:N0} identical texts); expected held {n.ExpectedHeld:N0} (any load order: {n.ExpectedHeldLow:N0} to {n.ExpectedHeldHigh:N0}). Recall of the search at the threshold: {n.RecallAtThreshold:0.00}.</p>");
        html.AppendLine("<h2>Throughput</h2>");
        html.AppendLine(ThroughputChart.Svg(report.Throughput));
        html.AppendLine("</body></html>");
        return html.ToString();
    }

    /// <summary>Lists up to this long are shown open; longer ones fold into a details element.</summary>
    internal const int OpenListLength = 3;

    /// <summary>Failed checks first, then warnings, skipped and passed ones; the report's order within each.</summary>
    internal static IEnumerable<ValidationCheck> FailuresFirst(IEnumerable<ValidationCheck> checks)
        => checks.OrderBy(check => check.Status switch
        {
            CheckStatus.Failed => 0,
            CheckStatus.Warning => 1,
            CheckStatus.Skipped => 2,
            _ => 3,
        });

    /// <summary>A check's listed items; a long list folds away behind its count, so the table stays readable.</summary>
    private static string Examples(IReadOnlyList<string> examples)
    {
        if (examples.Count == 0)
        {
            return string.Empty;
        }

        var list = "<ul>" + string.Concat(examples.Select(example => $"<li><code>{E(example)}</code></li>")) + "</ul>";
        return examples.Count <= OpenListLength ? list : $"<details><summary>{examples.Count.ToString(C)} listed</summary>{list}</details>";
    }

    private static string Status(CheckStatus status) => status.ToString().ToLowerInvariant();

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
