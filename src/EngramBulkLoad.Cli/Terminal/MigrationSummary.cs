using System.Globalization;
using EngramBulkLoad.Validation;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>
/// The last lines of <c>run</c> and <c>demo</c>: the three numbers that matter (records in, memories
/// expected after Engram's near-duplicate merges, memories held as far as the tool can tell, and how it
/// knows) and the one command to run next.
/// </summary>
/// <param name="RecordsIn">Source rows read, all sources together.</param>
/// <param name="MemoriesExpected">Memories Engram should hold once it has merged the predicted near-duplicates.</param>
/// <param name="ExpectedWhy">How <paramref name="MemoriesExpected"/> follows from the memories staged.</param>
/// <param name="MemoriesHeld">What Engram holds, with where the figure comes from (a real Engram reports no count over gRPC).</param>
/// <param name="Next">The command to run next, or what to fix.</param>
internal sealed record MigrationSummary(long RecordsIn, long MemoriesExpected, string ExpectedWhy, string MemoriesHeld, string Next)
{
    /// <summary>Reads the summary off a validation report.</summary>
    public static MigrationSummary Of(ValidationReport report, NextCommands commands)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(commands);
        var c = CultureInfo.InvariantCulture;
        var n = report.NearDuplicates;
        // The count check subtracts the records Engram refused at load; without it, the analysis alone.
        var expected = Figure(report, CheckNames.EngramCount, "expected") is { } counted ? (long)counted : n.ExpectedHeld;
        var refused = n.ExpectedHeld - expected;
        var why = string.Create(c, $"{n.LoadableMemories:N0} memories embedded, {n.Folded:N0} expected to merge into a near-duplicate{(refused > 0 ? $", {refused:N0} refused at load" : string.Empty)}");
        return new MigrationSummary(report.Sources.Sum(source => source.SourceRows), expected, why, Held(report), NextStep(report, commands));
    }

    /// <summary>Writes the summary, the next command last.</summary>
    public void Write(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Records in:        {RecordsIn:N0} (source rows)"));
        output.WriteLine(string.Create(c, $"Memories expected: {MemoriesExpected:N0} ({ExpectedWhy})"));
        output.WriteLine($"Memories held:     {MemoriesHeld}");
        output.WriteLine($"Next: {Next}");
    }

    private static string Held(ValidationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        if (report.Engram is null)
        {
            return "none: not loaded into Engram (vectors only).";
        }

        if (Figure(report, CheckNames.EngramCount, "actual") is { } actual)
        {
            return string.Create(c, $"{actual:N0} (Engram's Introspect count of the space).");
        }

        // A real Engram's Introspect reports 0 memories (docs/engram-behaviour.md), so recall is the only evidence.
        const string NoCount = "not reported by Engram (its Introspect count is always 0)";
        foreach (var (name, what) in new[] { (CheckNames.RecallAll, "recall all"), (CheckNames.RecallSample, "the recall sample") })
        {
            if (Check(report, name) is { Status: not CheckStatus.Skipped } recall && recall.Figures.TryGetValue("sampled", out var sampled))
            {
                return string.Create(c, $"{NoCount}; {what} found {recall.Figures["found"]:N0} of {sampled:N0} loaded records under their own id, {recall.Figures["merged"]:N0} merged into a near-duplicate, {recall.Figures["missing"]:N0} missing.");
            }
        }

        return $"{NoCount}, and not checked by recall (--sample 0).";
    }

    private static string NextStep(ValidationReport report, NextCommands commands)
    {
        if (report.Checks.FirstOrDefault(check => check.Status == CheckStatus.Failed) is { } failed)
        {
            return $"fix what the failed check '{failed.Name}' says above (also in {commands.ReportHtml}), then check again: {commands.Validate}";
        }

        if (report.Engram is null)
        {
            return $"load the vectors into an Engram (this resumes the snapshot; extract and embed are done): {commands.Load}";
        }

        return Check(report, CheckNames.RecallAll) is { Status: not CheckStatus.Skipped }
            ? $"nothing to fix. Read the report: {commands.ReportHtml}"
            : $"recall every loaded record by its own vector, which names any memory lost: {commands.RecallAll}";
    }

    private static ValidationCheck? Check(ValidationReport report, string name) => report.Checks.FirstOrDefault(check => check.Name == name);

    private static double? Figure(ValidationReport report, string check, string figure)
        => Check(report, check) is { Status: not CheckStatus.Skipped } found && found.Figures.TryGetValue(figure, out var value) ? value : null;
}

/// <summary>The commands a <see cref="MigrationSummary"/> can point to, spelled for how the tool was started.</summary>
/// <param name="Load">Loads the snapshot into an Engram (when the run stopped after the vectors).</param>
/// <param name="Validate">Validates the snapshot and Engram again, as the run did.</param>
/// <param name="RecallAll">Validates with every loaded record recalled.</param>
/// <param name="ReportHtml">The path of report.html.</param>
internal sealed record NextCommands(string Load, string Validate, string RecallAll, string ReportHtml);
