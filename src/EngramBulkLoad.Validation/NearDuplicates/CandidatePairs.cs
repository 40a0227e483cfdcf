namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// The candidate pairs of distinct vectors (first &lt; second), at most <c>capacity</c> of them, in one array of
/// 8 bytes a pair rather than a hash set (about 20 bytes a pair, and a copy of itself while it grows). The
/// same pair found in several bands is added several times; sorting and removing repeats whenever the array
/// fills keeps it within <c>capacity</c> plus a quarter of slack. <see cref="Seal"/> leaves the pairs sorted
/// by second member, the order in which the verification pass meets them.
/// </summary>
internal sealed class CandidatePairs
{
    private const int InitialLength = 1 << 12;

    private readonly int _capacity;
    private readonly int _limit;
    private long[] _pairs;
    private int _count;

    public CandidatePairs(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _limit = (int)Math.Min(Array.MaxLength, capacity + Math.Max(capacity / 4L, 16));
        _pairs = new long[Math.Min(InitialLength, _limit)];
    }

    /// <summary>True once <c>capacity</c> different pairs were added; later pairs are refused.</summary>
    public bool Full { get; private set; }

    /// <summary>Pairs held; once sealed, each pair once.</summary>
    public int Count => _count;

    /// <summary>Pair <paramref name="index"/> of the sealed list, in order of second member, then first.</summary>
    public (int First, int Second) this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            var pair = _pairs[index];
            return ((int)(pair & 0xFFFF_FFFF), (int)(pair >> 32));
        }
    }

    /// <summary>Adds a pair (a repeat is allowed); false when the list is full and the pair was not kept.</summary>
    public bool TryAdd(int first, int second)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(second, first);
        if (Full)
        {
            return false;
        }

        if (_count == _pairs.Length && !MakeRoom())
        {
            return false;
        }

        // Second member in the high half: sorting the numbers sorts by second member, then first.
        _pairs[_count++] = ((long)second << 32) | (uint)first;
        return true;
    }

    /// <summary>Sorts the pairs and removes repeats; call once all pairs were added.</summary>
    public void Seal()
    {
        Compact();
        Truncate();
    }

    private bool MakeRoom()
    {
        if (_pairs.Length < _limit)
        {
            Array.Resize(ref _pairs, (int)Math.Min(_limit, _pairs.Length * 2L));
            return true;
        }

        Compact();
        return !Truncate();
    }

    /// <summary>Keeps the first <c>capacity</c> pairs when there are more; true when the list is full.</summary>
    private bool Truncate()
    {
        if (_count >= _capacity)
        {
            _count = _capacity;
            Full = true;
        }

        return Full;
    }

    private void Compact()
    {
        var pairs = _pairs.AsSpan(0, _count);
        pairs.Sort();
        var unique = 0;
        for (var i = 0; i < pairs.Length; i++)
        {
            if (unique == 0 || pairs[i] != pairs[unique - 1])
            {
                pairs[unique++] = pairs[i];
            }
        }

        _count = unique;
    }
}
