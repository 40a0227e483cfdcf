using System.Globalization;

namespace EngramBulkLoad.Validation.Report;

/// <summary>Sentences report.md and report.html share, so the two say the same thing.</summary>
internal static class ReportText
{
    /// <summary>"1 failed, 2 warnings, 3 skipped, 4 passed", leaving out the statuses no check has.</summary>
    public static string Tally(IReadOnlyList<ValidationCheck> checks)
    {
        var c = CultureInfo.InvariantCulture;
        var parts = new List<string>();
        void Add(CheckStatus status, string one, string many)
        {
            var count = checks.Count(check => check.Status == status);
            if (count > 0)
            {
                parts.Add(string.Create(c, $"{count} {(count == 1 ? one : many)}"));
            }
        }

        Add(CheckStatus.Failed, "check failed", "checks failed");
        Add(CheckStatus.Warning, "warning", "warnings");
        Add(CheckStatus.Skipped, "skipped", "skipped");
        Add(CheckStatus.Passed, "passed", "passed");
        return parts.Count == 0 ? "no checks ran." : string.Join(", ", parts) + ".";
    }

    /// <summary>The failed checks, then the warnings, in the order they ran.</summary>
    public static IReadOnlyList<ValidationCheck> Attention(IEnumerable<ValidationCheck> checks)
        => [.. ValidationReportWriter.FailuresFirst(checks).Where(check => check.Status is CheckStatus.Failed or CheckStatus.Warning)];

    /// <summary>"2 parts, 1 loaded."</summary>
    public static string Parts(SourceReconciliation source)
        => string.Create(CultureInfo.InvariantCulture, $"{source.Parts:N0} part{(source.Parts == 1 ? string.Empty : "s")}, {source.PartsLoaded:N0} loaded.");

    public static string Status(CheckStatus status) => status.ToString().ToLowerInvariant();

    public static string NearDuplicateSummary(NearDuplicateSummary n)
        => string.Create(CultureInfo.InvariantCulture,
            $"Engram merges a memory within cosine {n.Threshold} of one it holds ({n.Strategy}). {n.Groups:N0} groups; {n.Folded:N0} of {n.LoadableMemories:N0} memories expected to merge ({n.ExactDuplicates:N0} identical texts); expected held {n.ExpectedHeld:N0} (any load order: {n.ExpectedHeldLow:N0} to {n.ExpectedHeldHigh:N0}). Recall of the search at the threshold: {n.RecallAtThreshold:0.00}{(n.Complete ? string.Empty : "; incomplete (candidate limit reached, or buckets too large to compare every pair: see the near-duplicates check)")}.");
}
