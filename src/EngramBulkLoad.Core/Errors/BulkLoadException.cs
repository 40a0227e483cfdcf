namespace EngramBulkLoad.Errors;

/// <summary>
/// A failure that stops the run, with a message that says what was expected, what was found and how
/// to fix it. Subclasses name the part of the job that failed and choose the process exit code.
/// Build them through <see cref="ErrorFactory"/> so the context (source, part, record) is attached
/// the same way everywhere.
/// </summary>
public abstract class BulkLoadException : Exception
{
    protected BulkLoadException(string message, Exception? inner, bool isTransient)
        : base(message, inner)
    {
        IsTransient = isTransient;
    }

    /// <summary>True when retrying the same call later may succeed (a timeout, a refused connection).</summary>
    public bool IsTransient { get; }

    /// <summary>The process exit code the command line returns for this failure.</summary>
    public abstract int ExitCode { get; }
}

/// <summary>The job config or the command line is wrong: fix the config and run again.</summary>
public sealed class ConfigException(string message, Exception? inner = null)
    : BulkLoadException(message, inner, isTransient: false)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.Config;
}

/// <summary>A source could not be read: unreachable, refused credentials, missing table or field.</summary>
public sealed class SourceException(string message, Exception? inner = null, bool isTransient = false)
    : BulkLoadException(message, inner, isTransient)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.Source;
}

/// <summary>The snapshot folder or one of its files is missing, corrupt, foreign or of another migration.</summary>
public sealed class SnapshotException(string message, Exception? inner = null)
    : BulkLoadException(message, inner, isTransient: false)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.Snapshot;
}

/// <summary>The embedding service failed or answered with vectors the job cannot use.</summary>
public sealed class EmbeddingException(string message, Exception? inner = null, bool isTransient = false)
    : BulkLoadException(message, inner, isTransient)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.Embedding;
}

/// <summary>Engram refused the run as a whole: unreachable, unauthenticated, forbidden space.</summary>
public sealed class EngramException(string message, Exception? inner = null, bool isTransient = false)
    : BulkLoadException(message, inner, isTransient)
{
    /// <inheritdoc />
    public override int ExitCode => ExitCodes.Engram;
}
