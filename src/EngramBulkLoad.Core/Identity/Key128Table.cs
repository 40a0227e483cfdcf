using System.Numerics;

namespace EngramBulkLoad.Identity;

/// <summary>
/// A hash set of 128-bit keys in one flat array: open addressing, linear probing, deletion by backward
/// shift (no tombstones), at most three quarters full: 21 to 43 bytes a key, where a
/// <see cref="HashSet{T}"/> of <see cref="UInt128"/> takes 36 to 72 (entries of 32 bytes plus buckets).
/// </summary>
internal sealed class Key128Table
{
    private const int MinimumCapacity = 1 << 10;
    private const ulong Fibonacci = 0x9E3779B97F4A7C15;

    // Empty slots hold zero, so the key zero is kept aside.
    private UInt128[] _slots;
    private int _shift;
    private int _used;
    private bool _hasZero;

    public Key128Table() => _slots = Allocate(MinimumCapacity, out _shift);

    /// <summary>Keys in the set.</summary>
    public int Count => _used + (_hasZero ? 1 : 0);

    /// <summary>Slots in the table (memory is 16 bytes a slot).</summary>
    public int Capacity => _slots.Length;

    /// <summary>Adds a key; false when it was in the set already.</summary>
    public bool Add(UInt128 key)
    {
        if (key == UInt128.Zero)
        {
            var added = !_hasZero;
            _hasZero = true;
            return added;
        }

        if ((long)(_used + 1) * 4 > (long)_slots.Length * 3)
        {
            Grow();
        }

        var i = Probe(key);
        if (_slots[i] == key)
        {
            return false;
        }

        _slots[i] = key;
        _used++;
        return true;
    }

    /// <summary>True when the key is in the set.</summary>
    public bool Contains(UInt128 key) => key == UInt128.Zero ? _hasZero : _slots[Probe(key)] == key;

    /// <summary>Removes a key; false when it was not in the set.</summary>
    public bool Remove(UInt128 key)
    {
        if (key == UInt128.Zero)
        {
            var removed = _hasZero;
            _hasZero = false;
            return removed;
        }

        var hole = Probe(key);
        if (_slots[hole] != key)
        {
            return false;
        }

        // Backward shift: pull later keys of the same run into the hole when their home slot allows it,
        // so every key stays reachable from its home without tombstones.
        var mask = _slots.Length - 1;
        for (var next = (hole + 1) & mask; _slots[next] != UInt128.Zero; next = (next + 1) & mask)
        {
            var home = Home(_slots[next]);
            var distanceToHole = (hole - home) & mask;
            var distanceToNext = (next - home) & mask;
            if (distanceToHole < distanceToNext)
            {
                _slots[hole] = _slots[next];
                hole = next;
            }
        }

        _slots[hole] = UInt128.Zero;
        _used--;
        return true;
    }

    /// <summary>The slot that holds <paramref name="key"/>, or the empty slot that ends its run (where it would go).</summary>
    private int Probe(UInt128 key)
    {
        var mask = _slots.Length - 1;
        var i = Home(key);
        while (_slots[i] != UInt128.Zero && _slots[i] != key)
        {
            i = (i + 1) & mask;
        }

        return i;
    }

    // Multiplicative hashing of both halves: ids from SHA-256 are uniform already, hand-made ones in the
    // same spelling (ebl_000…001, …002) must not all land in one run.
    private int Home(UInt128 key) => (int)((((ulong)key ^ (ulong)(key >> 64)) * Fibonacci) >> _shift);

    private void Grow()
    {
        var old = _slots;
        _slots = Allocate(checked(old.Length * 2), out _shift);
        foreach (var key in old)
        {
            if (key != UInt128.Zero)
            {
                _slots[Probe(key)] = key;
            }
        }
    }

    private static UInt128[] Allocate(int capacity, out int shift)
    {
        shift = 64 - BitOperations.Log2((uint)capacity);
        return new UInt128[capacity];
    }
}
