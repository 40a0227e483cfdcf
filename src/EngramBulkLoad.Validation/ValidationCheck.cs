namespace EngramBulkLoad.Validation;

/// <summary>The outcome of one check.</summary>
public enum CheckStatus
{
    /// <summary>What was expected was found.</summary>
    Passed,

    /// <summary>Not a failure, but worth a look (the message says why).</summary>
    Warning,

    /// <summary>What was expected was not found: the migration is not complete or not correct.</summary>
    Failed,

    /// <summary>Not run (no Engram to ask, or turned off); never counted as passed.</summary>
    Skipped,
}

/// <summary>One check of a validation.</summary>
/// <param name="Name">Short name, e.g. "counts reconcile".</param>
/// <param name="Status">The outcome.</param>
/// <param name="Message">What was expected, what was found, and what to do.</param>
/// <param name="Figures">The numbers the check compared, by name.</param>
/// <param name="Examples">Up to <see cref="ValidationOptions.MaxExamples"/> offending items (memory ids, parts), each with its problem.</param>
public sealed record ValidationCheck(string Name, CheckStatus Status, string Message, IReadOnlyDictionary<string, double> Figures, IReadOnlyList<string> Examples)
{
    /// <summary>A check that did not run, with the reason.</summary>
    public static ValidationCheck Skip(string name, string reason) => new(name, CheckStatus.Skipped, reason, new Dictionary<string, double>(), []);
}
