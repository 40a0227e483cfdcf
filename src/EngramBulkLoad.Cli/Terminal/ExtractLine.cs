using System.Globalization;
using EngramBulkLoad.Extraction;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>The extract stage's progress line: rows, rate, MB/s of text, ETA.</summary>
internal static class ExtractLine
{
    public static string Of(ExtractProgress progress, TimeSpan elapsed, bool done)
    {
        var rows = progress.Rows;
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        var rate = rows / seconds;
        var total = done ? null : progress.EstimatedTotal;
        var eta = total is { } t && rate > 0 && t > rows ? TimeSpan.FromSeconds((t - rows) / rate).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "unknown";
        return string.Create(CultureInfo.InvariantCulture,
            $"[extract] {(done ? "done" : progress.Current)}: {rows:N0} rows{(total is { } all ? $" of ~{all:N0}" : string.Empty)}, {rate:N0} rows/s, {progress.Bytes / seconds / 1e6:N1} MB/s of text, elapsed {elapsed:hh\\:mm\\:ss}, ETA {eta}");
    }
}
