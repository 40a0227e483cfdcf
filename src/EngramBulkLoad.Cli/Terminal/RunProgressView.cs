using System.Globalization;
using EngramBulkLoad.Pipeline;
using Spectre.Console;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>
/// Shows a run's progress on stderr until disposed: a live table per stage and per source when stderr is
/// a terminal, plain periodic lines (<see cref="PeriodicLines"/>) otherwise (container logs, CI), so logs stay readable.
/// </summary>
internal sealed class RunProgressView : IAsyncDisposable
{
    private readonly RunProgress _progress;
    private readonly CliContext _context;
    private readonly long _started;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private RunProgressView(RunProgress progress, CliContext context, TimeSpan interval)
    {
        _progress = progress;
        _context = context;
        _started = context.Time.GetTimestamp();
        _loop = LiveAsync(interval);
    }

    /// <summary>Starts the view that suits where stderr goes.</summary>
    public static IAsyncDisposable Start(RunProgress progress, CliContext context, TimeSpan interval)
    {
        var live = ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected
            && Environment.GetEnvironmentVariable("CI") is null && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
        if (live)
        {
            return new RunProgressView(progress, context, interval);
        }

        var lines = new PeriodicLines((elapsed, done) => done ? Line(progress, elapsed) : Lines(progress, elapsed), context.Time, context.Error, interval);
        // The last line states each stage's figures, not "done", so it is written when the run fails as well.
        lines.Complete();
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _context.Error.WriteLine(Line(_progress, Elapsed));
    }

    private TimeSpan Elapsed => _context.Time.GetElapsedTime(_started);

    private static string Line(RunProgress progress, TimeSpan elapsed)
        => $"[run] {string.Join(" | ", StageFigure.Of(progress, elapsed).Select(f => f.Line()))} | elapsed {elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)}";

    /// <summary>The stage line and one line per source, for logs.</summary>
    private static string Lines(RunProgress progress, TimeSpan elapsed)
        => string.Join(Environment.NewLine, [Line(progress, elapsed), .. progress.Sources().Select(source => string.Create(CultureInfo.InvariantCulture,
            $"[run]   {source.Source}: extracted {source.Extracted:N0}, embedded {source.Embedded:N0}, loaded {source.Loaded:N0}, rejected {source.ExtractRejected + source.EmbedRejected + source.LoadRejected:N0}, parts {source.PartsLoaded}/{source.Parts} loaded{(source.ExtractionComplete ? string.Empty : ", extracting")}"))]);

    private async Task LiveAsync(TimeSpan interval)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var table = new Table().Border(TableBorder.Rounded);
        await console.Live(table).AutoClear(true).StartAsync(async live =>
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    Fill(table);
                    live.Refresh();
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds, 500)), _context.Time, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped by DisposeAsync: the final plain line follows.
            }
        });
    }

    private void Fill(Table table)
    {
        var c = CultureInfo.InvariantCulture;
        table.Rows.Clear();
        if (table.Columns.Count == 0)
        {
            table.AddColumns("stage / source", "done", "rate", "rejected", "ETA", "detail");
        }

        foreach (var figure in StageFigure.Of(_progress, Elapsed))
        {
            table.AddRow(figure.Stage, figure.Done.ToString("N0", c), figure.PerSecond.ToString("N0", c) + "/s", figure.Rejected.ToString("N0", c), figure.Eta, Markup.Escape(figure.Note));
        }

        foreach (var source in _progress.Sources())
        {
            table.AddRow(
                Markup.Escape(source.Source),
                string.Create(c, $"ext {source.Extracted:N0} / emb {source.Embedded:N0} / load {source.Loaded:N0}"),
                string.Empty,
                (source.ExtractRejected + source.EmbedRejected + source.LoadRejected).ToString("N0", c),
                string.Empty,
                string.Create(c, $"parts {source.PartsLoaded}/{source.Parts} loaded{(source.ExtractionComplete ? string.Empty : ", extracting")}"));
        }

        table.Caption = new TableTitle(string.Create(c, $"elapsed {Elapsed:hh\\:mm\\:ss}"));
    }
}
