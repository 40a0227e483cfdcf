namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>A document read in _id order: the cursor (JSON) and location ("_id 42") are formatted only when asked for.</summary>
internal sealed class IdPosition(MongoDB.Bson.BsonValue id, string keyText, WatermarkRange? backfill) : SourcePosition
{
    private readonly MongoDB.Bson.BsonValue _id = id;

    public override string Cursor => new IdCursor { After = BsonText.Json(_id), Bracket = IdBracket.Of(_id), Backfill = backfill }.ToJson();

    public override string Location => $"_id {keyText}";

    // _ids are unique in a collection, so two positions share a cursor only when they are the same document.
    public override bool HasSameCursor(SourcePosition other)
        => other is IdPosition position ? position._id.Equals(_id) && ReferenceEquals(position.Backfill, backfill) : base.HasSameCursor(other);

    private WatermarkRange? Backfill => backfill;
}
