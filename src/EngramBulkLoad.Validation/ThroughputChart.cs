using System.Globalization;
using System.Text;

namespace EngramBulkLoad.Validation;

/// <summary>
/// Small inline SVG charts of records per second over time, one per stage, each with its own rate axis
/// (extract can be a hundred times faster than load, which one shared axis would flatten) and a common
/// time axis, so stages that overlap in a <c>run</c> line up. No script or library is needed to view them.
/// </summary>
internal static class ThroughputChart
{
    private const int Width = 560;
    private const int Height = 170;
    private const int Left = 64;
    private const int Bottom = 34;
    private const int Top = 12;
    private const int Right = 16;

    private static readonly Dictionary<string, string> Colours = new(StringComparer.Ordinal)
    {
        ["extract"] = "#1f77b4",
        ["embed"] = "#c25400",
        ["load"] = "#2ca02c",
    };

    /// <summary>The highest rate of a stage, in records per second.</summary>
    public static double Peak(ThroughputSeries series) => series.Points.Count == 0 ? 0 : series.Points.Max(point => point.RecordsPerSecond);

    /// <summary>
    /// The mean rate while the stage was working: from its first to its last busy interval. Idle time before
    /// it started (waiting for the stage before it) would otherwise read as a slow stage.
    /// </summary>
    public static double Mean(ThroughputSeries series)
    {
        var first = -1;
        var last = -1;
        for (var i = 0; i < series.Points.Count; i++)
        {
            if (series.Points[i].RecordsPerSecond > 0)
            {
                first = first < 0 ? i : first;
                last = i;
            }
        }

        return first < 0 ? 0 : series.Points.Skip(first).Take(last - first + 1).Average(point => point.RecordsPerSecond);
    }

    /// <summary>One chart per stage, or a sentence saying why there is none.</summary>
    public static string Svgs(IReadOnlyList<ThroughputSeries> series)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        if (points.Count < 2)
        {
            return "<p>Not enough timing data for a chart (the parts completed at one instant, or no stage has run).</p>";
        }

        var maxSeconds = points.Max(p => p.Seconds);
        return string.Concat(series.Select(s => Svg(s, maxSeconds)));
    }

    private static string Svg(ThroughputSeries series, double maxSeconds)
    {
        var c = CultureInfo.InvariantCulture;
        var peak = Peak(series);
        var mean = Mean(series);
        var maxY = Math.Max(1, peak);
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double X(double seconds) => Left + (seconds / maxSeconds * plotWidth);
        double Y(double rate) => Top + plotHeight - (rate / maxY * plotHeight);
        var colour = Colours.GetValueOrDefault(series.Stage, "#555");
        var title = string.Create(c, $"{series.Stage}: peak {peak:N0} records/s, mean {mean:N0} records/s while busy");

        var svg = new StringBuilder();
        svg.AppendLine(c, $"<figure class=\"stage-chart\" data-stage=\"{E(series.Stage)}\"><figcaption>{E(title)}</figcaption>");
        svg.AppendLine(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"{E(title)}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(c, $"<line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Left + plotWidth}\" y2=\"{Top + plotHeight}\" stroke=\"#333\"/><line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\" stroke=\"#333\"/>");
        for (var tick = 0; tick <= 2; tick++)
        {
            var rate = maxY * tick / 2;
            svg.AppendLine(c, $"<text x=\"{Left - 6}\" y=\"{Y(rate) + 4:0.#}\" text-anchor=\"end\">{rate:N0}</text>");
        }

        for (var tick = 0; tick <= 4; tick++)
        {
            var seconds = maxSeconds * tick / 4;
            svg.AppendLine(c, $"<text x=\"{X(seconds):0.#}\" y=\"{Top + plotHeight + 14}\" text-anchor=\"middle\">{seconds:0.#} s</text>");
        }

        svg.AppendLine(c, $"<text x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 4}\" text-anchor=\"middle\">time since the first part of any stage (s)</text>");
        svg.AppendLine(c, $"<text x=\"12\" y=\"{Top + (plotHeight / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {Top + (plotHeight / 2)})\">records/s</text>");
        var path = string.Join(" ", series.Points.Select(p => string.Create(c, $"{X(p.Seconds):0.#},{Y(p.RecordsPerSecond):0.#}")));
        svg.AppendLine(c, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{path}\"/>");
        svg.AppendLine(c, $"<line x1=\"{Left}\" y1=\"{Y(mean):0.#}\" x2=\"{Left + plotWidth}\" y2=\"{Y(mean):0.#}\" stroke=\"{colour}\" stroke-dasharray=\"4 3\" opacity=\"0.7\"/><text x=\"{Left + plotWidth - 4}\" y=\"{Y(mean) - 3:0.#}\" text-anchor=\"end\" fill=\"{colour}\">mean {mean:N0}</text>");
        svg.AppendLine("</svg></figure>");
        return svg.ToString();
    }

    private static string E(string text) => System.Net.WebUtility.HtmlEncode(text);
}
