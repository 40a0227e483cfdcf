using System.Globalization;
using EngramBulkLoad.Embedding.Stage;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>Prints the embed stage's progress to stderr at a fixed interval, and a last line when disposed.</summary>
internal sealed class EmbedProgressPrinter : IAsyncDisposable
{
    private readonly EmbedProgress _progress;
    private readonly CliContext _context;
    private readonly long _started;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public EmbedProgressPrinter(EmbedProgress progress, CliContext context, TimeSpan interval)
    {
        _progress = progress;
        _context = context;
        _started = context.Time.GetTimestamp();
        _loop = RunAsync(interval);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _context.Error.WriteLine(Line());
    }

    private string Line()
    {
        var elapsed = _context.Time.GetElapsedTime(_started);
        var figure = new StageFigure("embed", _progress.Records, _progress.Rejected, _progress.Records / Math.Max(elapsed.TotalSeconds, 0.001), _progress.EstimatedTotal,
            string.Create(CultureInfo.InvariantCulture, $"{_progress.Reused:N0} reused, {_progress.Tokens:N0} tokens, {_progress.Parts} parts"));
        return $"[{figure.Line()}] elapsed {elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)}";
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _context.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                _context.Error.WriteLine(Line());
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by DisposeAsync: the stage is over.
        }
    }
}
