using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Validation;

/// <summary>
/// Records per second over time, per stage, from the parts' stage timestamps: each part's records are
/// counted in the interval its stage completed in. Intervals are a thirtieth of the whole span (at least
/// one second), so stages that overlap in a <c>run</c> show side by side.
/// </summary>
internal static class Throughput
{
    private const int Intervals = 30;

    public static IReadOnlyList<ThroughputSeries> Of(SnapshotManifest manifest)
    {
        var events = new (string Stage, Func<PartEntry, DateTimeOffset?> At, Func<PartEntry, long> Records)[]
        {
            ("extract", part => part.ExtractedAt, part => part.Counts.SourceRows),
            ("embed", part => part.EmbeddedAt, part => part.Counts.Staged),
            ("load", part => part.LoadedAt, part => (part.Counts.Loaded ?? 0) + (part.Counts.LoadRejected ?? 0)),
        };
        var times = events.SelectMany(e => manifest.Parts.Select(e.At)).OfType<DateTimeOffset>().ToList();
        if (times.Count == 0)
        {
            return [];
        }

        var start = times.Min();
        var span = (times.Max() - start).TotalSeconds;
        var width = Math.Max(1.0, span / Intervals);
        var count = (int)Math.Floor(span / width) + 1;
        var series = new List<ThroughputSeries>();
        foreach (var (stage, at, records) in events)
        {
            var bins = new double[count];
            var any = false;
            foreach (var part in manifest.Parts)
            {
                if (at(part) is { } time)
                {
                    bins[Math.Min(count - 1, (int)((time - start).TotalSeconds / width))] += records(part);
                    any = true;
                }
            }

            if (any)
            {
                series.Add(new ThroughputSeries(stage, [.. bins.Select((total, i) => new ThroughputPoint((i + 1) * width, total / width))]));
            }
        }

        return series;
    }
}
