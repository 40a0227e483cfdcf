using EngramBulkLoad.Sources;
using EngramBulkLoad.Sources.PostgreSql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

public sealed class KeyPositionTests
{
    [Fact]
    public void Cursor_KeyText_IsTheKeysetCursorThatResumesAfterIt()
    {
        var position = new KeyPosition(["7", "a\"b"], ["integer", "text"]);

        Assert.Equal("""{"after":["7","a\u0022b"],"types":["integer","text"]}""", position.Cursor);
        Assert.Equal(new[] { "7", "a\"b" }, KeysetCursor.Parse(position.Cursor)!.After);
        Assert.Equal("key 7, a\"b", position.Location);
    }

    [Fact]
    public void HasSameCursor_EqualKeyText_TrueOnlyForTheSameKey()
    {
        var position = new KeyPosition(["42"], ["bigint"]);

        Assert.True(position.HasSameCursor(new KeyPosition(["42"], ["bigint"])));
        Assert.False(position.HasSameCursor(new KeyPosition(["43"], ["bigint"])));
        Assert.True(position.HasSameCursor(SourcePosition.Of(position.Cursor, "elsewhere")));
    }

    [Fact]
    public void NullKeyPosition_Cursor_CountsTheNullKeyRowsRead()
    {
        var position = new NullKeyPosition(3);

        Assert.Equal(3, KeysetCursor.Parse(position.Cursor)!.NullRowsDone);
        Assert.Equal("row 3 with a NULL key", position.Location);
    }
}
