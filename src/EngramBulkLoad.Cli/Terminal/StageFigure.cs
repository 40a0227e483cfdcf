using System.Globalization;
using EngramBulkLoad.Pipeline;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>One stage's figures at a moment: done, rate, what is known to remain, ETA.</summary>
internal sealed record StageFigure(string Stage, long Done, long Rejected, double PerSecond, long? Total, string Note)
{
    public string Eta => Total is { } total && PerSecond > 0 && total > Done
        ? TimeSpan.FromSeconds((total - Done) / PerSecond).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)
        : Total is { } t && t <= Done ? "00:00:00" : "unknown";

    /// <summary>The figures of every stage of a run, rates averaged over <paramref name="elapsed"/>.</summary>
    public static IReadOnlyList<StageFigure> Of(RunProgress progress, TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var extract = progress.Extract;
        var embed = progress.Embed;
        var load = progress.Load;
        var figures = new List<StageFigure>
        {
            new("extract", extract.Rows, 0, extract.Rows / seconds, extract.EstimatedTotal, extract.Current),
            new("embed", embed.Records, embed.Rejected, embed.Records / seconds, embed.EstimatedTotal, string.Create(CultureInfo.InvariantCulture, $"{embed.Reused:N0} reused, {embed.Tokens:N0} tokens")),
        };
        if (progress.Loading)
        {
            figures.Add(new("load", load.RecordsLoaded + load.RecordsRejected, load.RecordsRejected, (load.RecordsLoaded + load.RecordsRejected) / seconds, null,
                string.Create(CultureInfo.InvariantCulture, $"parts {load.PartsLoaded}/{load.PartsTotal}{(load.Waiting is { } waiting ? $"; {waiting}" : string.Empty)}")));
        }

        return figures;
    }

    public string Line()
        => string.Create(CultureInfo.InvariantCulture, $"{Stage} {Done:N0} ({PerSecond:N0}/s{(Rejected > 0 ? $", {Rejected:N0} rejected" : string.Empty)}, ETA {Eta}{(Note.Length > 0 ? $", {Note}" : string.Empty)})");
}
