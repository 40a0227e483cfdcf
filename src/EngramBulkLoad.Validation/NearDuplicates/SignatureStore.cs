namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// Signatures of every distinct vector, in chunks so that a million of them never need one huge array
/// (and never a copy when the store grows).
/// </summary>
internal sealed class SignatureStore(int words)
{
    private const int ChunkRows = 1 << 16;
    private readonly List<ulong[]> _chunks = [];

    public int Count { get; private set; }

    /// <summary>Room for the next signature; it counts once written.</summary>
    public Span<ulong> Append()
    {
        if (Count % ChunkRows == 0)
        {
            _chunks.Add(new ulong[ChunkRows * words]);
        }

        var span = Get(Count);
        Count++;
        return span;
    }

    public Span<ulong> Get(int index) => _chunks[index / ChunkRows].AsSpan((index % ChunkRows) * words, words);
}
