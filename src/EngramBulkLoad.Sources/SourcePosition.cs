namespace EngramBulkLoad.Sources;

/// <summary>
/// Where an item is in its collection: the cursor that resumes reading after it, and a location for
/// people ("line 12", "key 42"). Both are formatted only when asked for: the extract stage needs the
/// cursor of a part's last item and a reject needs its location, so a source that reads hundreds of
/// thousands of rows a second need not format either for every row.
/// </summary>
public abstract class SourcePosition
{
    /// <summary>The cursor text, as the manifest stores it and <see cref="IRecordSource.ReadAsync"/> takes it back.</summary>
    public abstract string Cursor { get; }

    /// <summary>Where the item is, for people: "line 12", "key 42".</summary>
    public abstract string Location { get; }

    /// <summary>
    /// True when <paramref name="other"/> has the same cursor (rows that share a key); a part must not end
    /// between two such items, or a resume after that cursor would skip the rest. Must agree with comparing
    /// <see cref="Cursor"/> texts, without formatting them where a source can avoid it.
    /// </summary>
    public virtual bool HasSameCursor(SourcePosition other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Cursor, other.Cursor, StringComparison.Ordinal);
    }

    /// <summary>A position whose cursor and location are already text.</summary>
    public static SourcePosition Of(string cursor, string location) => new Fixed(cursor, location);

    private sealed class Fixed(string cursor, string location) : SourcePosition
    {
        public override string Cursor => cursor;

        public override string Location => location;
    }
}
