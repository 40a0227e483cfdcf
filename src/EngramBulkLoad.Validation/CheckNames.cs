using EngramBulkLoad.Validation.Checks;

namespace EngramBulkLoad.Validation;

/// <summary>The names of the checks that tell what Engram holds, for callers that read a report (the terminal summary).</summary>
public static class CheckNames
{
    /// <summary>Engram's Introspect count against the expected count; figures "actual" and "expected".</summary>
    public const string EngramCount = EngramChecks.Count;

    /// <summary>Recall of a sample by own vector; figures "sampled", "found", "merged", "missing".</summary>
    public const string RecallSample = EngramChecks.Recall;

    /// <summary>Recall of every loaded record (validate --recall all); the same figures as <see cref="RecallSample"/>.</summary>
    public const string RecallAll = EngramChecks.RecallEvery;
}
