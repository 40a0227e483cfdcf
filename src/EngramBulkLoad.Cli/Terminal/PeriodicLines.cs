namespace EngramBulkLoad.Cli.Terminal;

/// <summary>
/// Writes what <c>line</c> returns to stderr at a fixed interval while a stage runs, and the final line
/// when disposed after <see cref="Complete"/>; disposed without it (the stage failed), no "done" line is
/// written before the error. Plain lines rather than a redrawn screen, so container logs stay readable. Every stage's
/// progress (extract, embed, run) goes through this one loop; only the text differs.
/// </summary>
internal sealed class PeriodicLines : IAsyncDisposable
{
    private readonly Func<TimeSpan, bool, string> _line;
    private readonly TimeProvider _time;
    private readonly TextWriter _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly long _started;
    private bool _completed;

    /// <param name="line">The text for the time elapsed; its flag is true for the last call, when the stage is over.</param>
    /// <param name="time">The clock.</param>
    /// <param name="output">Where lines go (stderr).</param>
    /// <param name="interval">Time between lines.</param>
    public PeriodicLines(Func<TimeSpan, bool, string> line, TimeProvider time, TextWriter output, TimeSpan interval)
    {
        _line = line;
        _time = time;
        _output = output;
        _started = time.GetTimestamp();
        _loop = RunAsync(interval);
    }

    /// <summary>Marks the stage finished: disposing then writes the final line.</summary>
    public void Complete() => _completed = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        if (_completed)
        {
            _output.WriteLine(_line(_time.GetElapsedTime(_started), true));
        }
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                _output.WriteLine(_line(_time.GetElapsedTime(_started), false));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by DisposeAsync: the stage is over.
        }
    }
}
