using System.Globalization;
using System.Text;

namespace EngramBulkLoad.Validation;

/// <summary>An inline SVG line chart of records per second over time, one line per stage; no script or library needed to view it.</summary>
internal static class ThroughputChart
{
    private const int Width = 720;
    private const int Height = 300;
    private const int Left = 70;
    private const int Bottom = 40;
    private const int Top = 20;
    private const int Right = 110;

    private static readonly Dictionary<string, string> Colours = new(StringComparer.Ordinal)
    {
        ["extract"] = "#1f77b4",
        ["embed"] = "#ff7f0e",
        ["load"] = "#2ca02c",
    };

    public static string Svg(IReadOnlyList<ThroughputSeries> series)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        if (points.Count < 2)
        {
            return "<p>Not enough timing data for a chart (the parts completed at one instant, or no stage has run).</p>";
        }

        var c = CultureInfo.InvariantCulture;
        var maxX = points.Max(p => p.Seconds);
        var maxY = Math.Max(1, points.Max(p => p.RecordsPerSecond));
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double X(double seconds) => Left + (seconds / maxX * plotWidth);
        double Y(double rate) => Top + plotHeight - (rate / maxY * plotHeight);

        var svg = new StringBuilder();
        svg.AppendLine(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"records per second over time, per stage\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine(c, $"<line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Left + plotWidth}\" y2=\"{Top + plotHeight}\" stroke=\"#333\"/><line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\" stroke=\"#333\"/>");
        for (var tick = 0; tick <= 4; tick++)
        {
            var rate = maxY * tick / 4;
            var seconds = maxX * tick / 4;
            svg.AppendLine(c, $"<text x=\"{Left - 6}\" y=\"{Y(rate) + 4:0.#}\" text-anchor=\"end\">{rate:N0}</text>");
            svg.AppendLine(c, $"<text x=\"{X(seconds):0.#}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\">{seconds:0.#} s</text>");
        }

        svg.AppendLine(c, $"<text x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 6}\" text-anchor=\"middle\">time since the first part (s)</text>");
        svg.AppendLine(c, $"<text x=\"14\" y=\"{Top + (plotHeight / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {Top + (plotHeight / 2)})\">records/s</text>");
        var legend = 0;
        foreach (var s in series)
        {
            var colour = Colours.GetValueOrDefault(s.Stage, "#555");
            var path = string.Join(" ", s.Points.Select(p => string.Create(c, $"{X(p.Seconds):0.#},{Y(p.RecordsPerSecond):0.#}")));
            svg.AppendLine(c, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{path}\"/>");
            svg.AppendLine(c, $"<rect x=\"{Left + plotWidth + 12}\" y=\"{Top + (legend * 18)}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{Left + plotWidth + 30}\" y=\"{Top + (legend * 18) + 10}\">{s.Stage}</text>");
            legend++;
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
