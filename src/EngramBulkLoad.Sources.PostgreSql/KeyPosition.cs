namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// A row read in key order: its key's text, from which the cursor (JSON) and the location ("key 42") are
/// formatted only when asked for. Two rows have the same cursor exactly when their key texts are equal
/// (within one read, which has one backfill range or none).
/// </summary>
internal sealed class KeyPosition(string[] keyText, string[] keyTypes, BackfillRange? backfill) : SourcePosition
{
    private readonly string[] _keyText = keyText;
    private readonly string[] _keyTypes = keyTypes;
    private readonly BackfillRange? _backfill = backfill;

    public override string Cursor => new KeysetCursor { After = _keyText, Types = _keyTypes, Backfill = _backfill }.ToJson();

    public override string Location => $"key {string.Join(", ", _keyText)}";

    public override bool HasSameCursor(SourcePosition other)
        => other is KeyPosition key
            ? _keyText.AsSpan().SequenceEqual(key._keyText) && _keyTypes.AsSpan().SequenceEqual(key._keyTypes) && Equals(_backfill, key._backfill)
            : base.HasSameCursor(other);
}

/// <summary>A row of the final pass over NULL keys: the number of that pass's rows read so far.</summary>
internal sealed class NullKeyPosition(long done, BackfillRange? backfill) : SourcePosition
{
    public override string Cursor => new KeysetCursor { NullRowsDone = done, Backfill = backfill }.ToJson();

    public override string Location => $"row {done} with a NULL key";
}
