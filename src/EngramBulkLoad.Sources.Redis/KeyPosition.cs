using System.Globalization;

namespace EngramBulkLoad.Sources.Redis;

/// <summary>
/// Where a Redis item is: its key (and stream entry) for people, and as cursor the one SCAN returned with
/// the item's reply ("end" after the last reply). All items of a reply share that cursor, so a part never
/// ends inside a reply and a resume starts with the next one; keys SCAN returns again after a resume are
/// skipped by the ids the extract stage hands back (<see cref="IRepeatingSource"/>).
/// </summary>
internal sealed class KeyPosition(ulong next, string location) : SourcePosition
{
    /// <summary>The cursor text after the last reply.</summary>
    public const string End = "end";

    public override string Cursor => next == 0 ? End : next.ToString(CultureInfo.InvariantCulture);

    public override string Location => location;

    public override bool HasSameCursor(SourcePosition other)
        => other is KeyPosition key ? key.Next == next : base.HasSameCursor(other);

    private ulong Next => next;

    /// <summary>The SCAN cursor to start from (0 for a fresh read); null when the read had completed.</summary>
    public static ulong? Parse(string? cursor)
        => cursor is null ? 0 : cursor == End ? null : ulong.Parse(cursor, NumberStyles.None, CultureInfo.InvariantCulture);
}
