using System.Text.Json;
using System.Text.Json.Serialization;
using EngramBulkLoad.Validation.NearDuplicates;
using EngramBulkLoad.Validation.Report;

namespace EngramBulkLoad.Validation;

/// <summary>Writes a <see cref="ValidationReport"/> as report.json (for machines), report.md and report.html (for people: the verdict and the checks needing attention first; the HTML is self-contained, with inline SVG charts of throughput per stage).</summary>
public static class ValidationReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

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

        await File.WriteAllTextAsync(markdown, Markdown(report, folder), cancellationToken);
        await File.WriteAllTextAsync(html, Html(report, folder), cancellationToken);
        return [json, markdown, html];
    }

    /// <summary>The report as Markdown, for a report folder at the default place (SNAPSHOT/report).</summary>
    public static string Markdown(ValidationReport report) => Markdown(report, DefaultFolder(report));

    /// <summary>The report as Markdown, its link to near-duplicates.json relative to <paramref name="reportFolder"/>.</summary>
    public static string Markdown(ValidationReport report, string reportFolder)
    {
        ArgumentNullException.ThrowIfNull(report);
        return MarkdownReport.Render(report, NearDuplicatesHref(report, reportFolder));
    }

    /// <summary>The report as a self-contained HTML page, for a report folder at the default place (SNAPSHOT/report).</summary>
    public static string Html(ValidationReport report) => Html(report, DefaultFolder(report));

    /// <summary>The report as a self-contained HTML page, its link to near-duplicates.json relative to <paramref name="reportFolder"/>.</summary>
    public static string Html(ValidationReport report, string reportFolder)
    {
        ArgumentNullException.ThrowIfNull(report);
        return HtmlReport.Render(report, NearDuplicatesHref(report, reportFolder));
    }

    /// <summary>
    /// The link from the report folder to the snapshot's near-duplicates.json, relative so that it still
    /// resolves when the snapshot (with its report folder) is copied or opened from another machine.
    /// </summary>
    internal static string NearDuplicatesHref(ValidationReport report, string reportFolder)
    {
        var target = Path.Combine(Path.GetFullPath(report.SnapshotFolder), NearDuplicateFinder.FileName);
        var relative = Path.GetRelativePath(Path.GetFullPath(reportFolder), target);
        if (Path.IsPathRooted(relative))
        {
            // Another drive (Windows): no relative path exists, so a file URL.
            return new Uri(target).AbsoluteUri;
        }

        return string.Join('/', relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Select(Uri.EscapeDataString));
    }

    private static string DefaultFolder(ValidationReport report) => Path.Combine(report.SnapshotFolder, "report");

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
}
