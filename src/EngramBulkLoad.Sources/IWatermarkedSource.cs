namespace EngramBulkLoad.Sources;

/// <summary>
/// A source whose collections can carry a watermark (a column that grows when a row changes, such as
/// updated_at), so a backfill reads only what changed since a snapshot. Values travel as the source's
/// own text form and are compared by the source, never by the caller.
/// </summary>
public interface IWatermarkedSource
{
    /// <summary>True when the collection's config names a watermark.</summary>
    bool HasWatermark(string collection);

    /// <summary>
    /// The highest watermark value the collection holds now (of this shard, after its filters), only
    /// among values above <paramref name="above"/> when given; null when there is none, i.e. nothing changed.
    /// </summary>
    Task<string?> ReadWatermarkAsync(string collection, string? above, CancellationToken cancellationToken);

    /// <summary>
    /// The cursor from which <see cref="IRecordSource.ReadAsync"/> reads only the rows whose watermark is
    /// above <paramref name="above"/> (null: any value) and at most <paramref name="upTo"/>, in the usual order.
    /// The cursors of the items read after it carry the same bounds, so a resume stays within them.
    /// </summary>
    string BackfillCursor(string collection, string? above, string upTo);
}
