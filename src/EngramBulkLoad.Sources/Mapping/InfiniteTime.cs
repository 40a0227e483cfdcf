namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// A source's <c>infinity</c> or <c>-infinity</c> timestamp (PostgreSQL has both). It has no place on a
/// time line, so it is never a memory's time (the record is staged without one, with a note) and it is kept
/// as the words themselves in metadata, never as the largest or smallest date a .NET type can hold.
/// </summary>
public sealed class InfiniteTime
{
    private InfiniteTime(string text) => Text = text;

    /// <summary>Later than every time: "infinity".</summary>
    public static InfiniteTime Positive { get; } = new("infinity");

    /// <summary>Earlier than every time: "-infinity".</summary>
    public static InfiniteTime Negative { get; } = new("-infinity");

    /// <summary>"infinity" or "-infinity", as PostgreSQL writes them.</summary>
    public string Text { get; }

    /// <inheritdoc />
    public override string ToString() => Text;
}
