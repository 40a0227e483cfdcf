using EngramBulkLoad.Sources;

namespace EngramBulkLoad.Extraction;

/// <summary>
/// Tallies the notes of one collection's staged records (<see cref="SourceItem.Note"/>): how many records
/// have each, and where the first one is, so the command's output says what was not kept as it was.
/// </summary>
internal sealed class CollectionNotes(string source, string collection)
{
    private readonly Dictionary<string, (long Count, string FirstAt)> _byNote = new(StringComparer.Ordinal);

    public void Add(SourceItem item)
    {
        if (item.Note is not { } note)
        {
            return;
        }

        _byNote[note] = _byNote.TryGetValue(note, out var seen) ? (seen.Count + 1, seen.FirstAt) : (1, item.Position.Location);
    }

    public IEnumerable<string> Lines()
        => _byNote.Select(pair => $"{source}/{collection}: {pair.Value.Count:N0} record(s): {pair.Key} (first at {pair.Value.FirstAt}).");
}
