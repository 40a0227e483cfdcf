using System.Globalization;
using EngramBulkLoad.Extraction;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>
/// Prints a progress line to stderr at a fixed interval while a stage runs: rows, rate, MB/s and ETA.
/// Plain lines rather than a redrawn screen, so container logs stay readable.
/// </summary>
internal sealed class ProgressPrinter : IAsyncDisposable
{
    private readonly ExtractProgress _progress;
    private readonly TimeProvider _time;
    private readonly TextWriter _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly long _started;

    public ProgressPrinter(ExtractProgress progress, TimeProvider time, TextWriter output, TimeSpan interval)
    {
        _progress = progress;
        _time = time;
        _output = output;
        _started = time.GetTimestamp();
        _loop = RunAsync(interval);
    }

    public static string Line(long rows, long bytes, TimeSpan elapsed, long? total, string current)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var rate = rows / seconds;
        var eta = total is { } t && rate > 0 && t > rows ? TimeSpan.FromSeconds((t - rows) / rate).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "unknown";
        return string.Create(CultureInfo.InvariantCulture,
            $"[extract] {current}: {rows:N0} rows{(total is { } all ? $" of ~{all:N0}" : string.Empty)}, {rate:N0} rows/s, {bytes / seconds / 1e6:N1} MB/s of text, elapsed {elapsed:hh\\:mm\\:ss}, ETA {eta}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _output.WriteLine(Line(_progress.Rows, _progress.Bytes, _time.GetElapsedTime(_started), null, "done"));
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                _output.WriteLine(Line(_progress.Rows, _progress.Bytes, _time.GetElapsedTime(_started), _progress.EstimatedTotal, _progress.Current));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by DisposeAsync: the stage is over.
        }
    }
}
