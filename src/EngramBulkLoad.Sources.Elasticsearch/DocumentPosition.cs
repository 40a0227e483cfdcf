namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>
/// A document as read: its index and _id for people, and the state of every slice after it was taken,
/// from which the cursor is formatted only when asked for. Each document advances its slice, so no two
/// positions of one read share a cursor.
/// </summary>
internal sealed class DocumentPosition(string index, string id, SliceCursor[] slices, BackfillRange? backfill) : SourcePosition
{
    public override string Cursor => new ReadCursor { Slices = slices, Backfill = backfill }.ToJson();

    public override string Location => $"document {id} in index {index}";

    public override bool HasSameCursor(SourcePosition other) => ReferenceEquals(this, other);
}
