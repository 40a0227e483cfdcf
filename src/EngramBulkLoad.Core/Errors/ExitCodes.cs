namespace EngramBulkLoad.Errors;

/// <summary>Process exit codes, so scripts and Kubernetes can tell failures apart.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Config = 2;
    public const int Source = 3;
    public const int Snapshot = 4;
    public const int Embedding = 5;
    public const int Engram = 6;

    /// <summary><c>validate</c> ran to the end and at least one check failed (report.json says which); not an error of the tool.</summary>
    public const int ValidationFailed = 7;

    /// <summary>The run was cancelled (Ctrl+C, SIGTERM); what completed is saved and a re-run resumes.</summary>
    public const int Cancelled = 130;
}
