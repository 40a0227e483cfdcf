using System.Buffers;

namespace EngramBulkLoad.Snapshot.Parts;

/// <summary>
/// Copies of one row group's per-row strings, in large pooled blocks. A buffered row group then holds a few
/// blocks instead of tens of thousands of strings: the strings die young, and the GC no longer promotes and
/// copies every row group's text (on 1M rows of ~1.5 KB, that retention cost more CPU than the copy).
/// </summary>
internal sealed class TextArena : IDisposable
{
    private const int BlockChars = 1 << 20;

    private readonly List<char[]> _blocks = [];
    private int _current = -1;
    private int _used;

    /// <summary>The text's characters, valid until <see cref="Clear"/>; a string longer than a block is kept as itself.</summary>
    public ReadOnlyMemory<char> Copy(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > BlockChars)
        {
            return text.AsMemory();
        }

        if (_current < 0 || _used + text.Length > BlockChars)
        {
            _current++;
            _used = 0;
            if (_current == _blocks.Count)
            {
                _blocks.Add(ArrayPool<char>.Shared.Rent(BlockChars));
            }
        }

        var block = _blocks[_current];
        text.CopyTo(block.AsSpan(_used));
        var copy = new ReadOnlyMemory<char>(block, _used, text.Length);
        _used += text.Length;
        return copy;
    }

    /// <summary>Forgets the copies; the blocks are kept for the next row group.</summary>
    public void Clear()
    {
        _current = -1;
        _used = 0;
    }

    public void Dispose()
    {
        foreach (var block in _blocks)
        {
            ArrayPool<char>.Shared.Return(block);
        }

        _blocks.Clear();
        Clear();
    }
}
