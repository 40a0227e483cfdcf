namespace EngramBulkLoad.Cli;

/// <summary>What commands write to and read the clock from; tests pass their own writers and a fake clock.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error, TimeProvider time)
{
    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    public TimeProvider Time { get; } = time;
}
