using EngramBulkLoad.Sources;
using EngramBulkLoad.Sources.PostgreSql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

public sealed class KeyPositionTests
{
    [Fact]
    public void Cursor_KeyText_IsTheKeysetCursorThatResumesAfterIt()
    {
        var position = new KeyPosition(["7", "a\"b"], ["integer", "text"], backfill: null);

        Assert.Equal("""{"after":["7","a\u0022b"],"types":["integer","text"]}""", position.Cursor);
        Assert.Equal(new[] { "7", "a\"b" }, KeysetCursor.Parse(position.Cursor)!.After);
        Assert.Equal("key 7, a\"b", position.Location);
    }

    [Fact]
    public void HasSameCursor_EqualKeyText_TrueOnlyForTheSameKey()
    {
        var position = new KeyPosition(["42"], ["bigint"], backfill: null);

        Assert.True(position.HasSameCursor(new KeyPosition(["42"], ["bigint"], backfill: null)));
        Assert.False(position.HasSameCursor(new KeyPosition(["43"], ["bigint"], backfill: null)));
        Assert.True(position.HasSameCursor(SourcePosition.Of(position.Cursor, "elsewhere")));
    }

    [Fact]
    public void NullKeyPosition_Cursor_CountsTheNullKeyRowsRead()
    {
        var position = new NullKeyPosition(3, backfill: null);

        Assert.Equal(3, KeysetCursor.Parse(position.Cursor)!.NullRowsDone);
        Assert.Equal("row 3 with a NULL key", position.Location);
    }

    [Fact]
    public void Cursor_DuringABackfill_CarriesItsWatermarkRangeSoAResumeReadsTheSameRows()
    {
        var range = new BackfillRange { Above = "2026-01-01 00:00:00+00", UpTo = "2026-02-01 00:00:00+00" };

        var keyed = KeysetCursor.Parse(new KeyPosition(["9"], ["bigint"], range).Cursor)!;
        var nullKey = KeysetCursor.Parse(new NullKeyPosition(2, range).Cursor)!;

        Assert.Equal(new[] { "9" }, keyed.After);
        Assert.Equal(range.Above, keyed.Backfill!.Above);
        Assert.Equal(range.UpTo, keyed.Backfill.UpTo);
        Assert.Equal(range.UpTo, nullKey.Backfill!.UpTo);
        Assert.Equal(2, nullKey.NullRowsDone);
        Assert.False(new KeyPosition(["9"], ["bigint"], range).HasSameCursor(new KeyPosition(["9"], ["bigint"], backfill: null)));
    }
}
