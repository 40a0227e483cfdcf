namespace EngramBulkLoad.Sources.Conformance;

/// <summary>
/// The generated data set: deterministic, so two runs and every source see the same items. About one
/// item in 50 is bad (blank text, or content over <see cref="MaxContentBytes"/> in UTF-8 bytes though
/// under it in characters); titles mix ASCII, accents, CJK and emoji so content is compared exactly.
/// </summary>
public static class ConformanceDataSet
{
    /// <summary>The maxContentBytes the suite's mapping sets; a too-large item's content is 4,200+ bytes but about 2,100 characters.</summary>
    public const int MaxContentBytes = 4096;

    /// <summary>The first item's time; item i is i minutes and (i mod 60) seconds later.</summary>
    public static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Titles = ["Plain title", "Zürich café", "東京の夜", "Party 🎉 time", "Quotes \"and\" \\ backslash"];
    private static readonly string[] Categories = ["alpha", "beta", "gamma"];

    /// <summary>Items 1..<paramref name="count"/>, ids "item-00001" upwards (so their text order is their number order).</summary>
    public static IReadOnlyList<ConformanceItem> Generate(int count)
        => Enumerable.Range(1, count).Select(i => Item(i)).ToList();

    /// <summary>Item number <paramref name="i"/>; <paramref name="revision"/> above 0 gives a changed version of it, later in time (for backfills).</summary>
    public static ConformanceItem Item(int i, int revision = 0)
    {
        var outcome = i % 97 == 0 ? ConformanceOutcome.EmptyText : i % 89 == 0 ? ConformanceOutcome.TextTooLarge : ConformanceOutcome.Record;
        var title = outcome == ConformanceOutcome.EmptyText ? string.Empty : $"{Titles[i % Titles.Length]} {i}";
        var body = outcome switch
        {
            ConformanceOutcome.EmptyText => " ",
            ConformanceOutcome.TextTooLarge => new string('é', 2100),
            _ => $"Body of item {i}, revision {revision}.\nSecond line with tab\tand trailing space ",
        };
        return new ConformanceItem(
            $"item-{i:D5}", title, body, Categories[i % Categories.Length], (i * 7L % 1000) - 300, i * 0.25, i % 2 == 0,
            Epoch.AddMinutes(i).AddSeconds(i % 60).AddDays(revision * 400), outcome);
    }
}
