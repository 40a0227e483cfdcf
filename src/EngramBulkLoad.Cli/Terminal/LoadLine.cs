using System.Globalization;
using EngramBulkLoad.Loading;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>The load command's progress line: records, parts, and what the load waits for (sibling shards).</summary>
internal static class LoadLine
{
    public static string Of(LoadProgress progress, TimeSpan elapsed, bool done)
        => string.Create(CultureInfo.InvariantCulture,
            $"[load] {(done ? "done: " : string.Empty)}{progress.RecordsLoaded:N0} loaded, {progress.RecordsRejected:N0} rejected, parts {progress.PartsLoaded}/{progress.PartsTotal}, elapsed {elapsed:hh\\:mm\\:ss}{(progress.Waiting is { } waiting && !done ? $"; {waiting}" : string.Empty)}");
}
