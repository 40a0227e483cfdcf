using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// The vectors, with their memory ids, that the verification pass has read and still has to compare with a
/// candidate later in load order. They wait in a temporary file, not in memory: with many candidates nearly
/// every vector waits for most of the pass (held in memory that was 4.7 GB at a million vectors), while a
/// file's pages are the kernel's cache, to keep or to drop. A slot is reused once its vector's last partner
/// was compared, so the file grows to the most vectors waiting at once, never past the vectors' raw size.
/// </summary>
/// <remarks>
/// The file lives in the snapshot folder, which has room for the vectors already (a container's temp folder
/// may be small, or memory), and is deleted on close; one a killed run left behind is deleted by the next.
/// Reads and writes are synchronous: a few kilobytes from the page cache each, where a thread hop would cost more.
/// </remarks>
internal sealed class WaitingVectors : IDisposable
{
    private const string Prefix = "near-duplicates.waiting-";
    private const string Suffix = ".tmp";

    // Memory ids up to this many UTF-8 bytes are kept in the slot (this tool's are 36); longer ones in memory.
    private const int InlineIdBytes = 126;
    private const ushort LongId = ushort.MaxValue;

    private readonly SafeFileHandle _file;
    private readonly int _vectorBytes;
    private readonly byte[] _slot;
    private readonly Stack<int> _free = new();
    private readonly Dictionary<int, string> _longIds = [];
    private int _slots;

    private WaitingVectors(SafeFileHandle file, int dimension)
    {
        _file = file;
        _vectorBytes = dimension * sizeof(float);
        _slot = new byte[_vectorBytes + sizeof(ushort) + InlineIdBytes];
    }

    /// <summary>Vectors waiting now.</summary>
    public int Count => _slots - _free.Count;

    /// <summary>The most vectors that waited at once (the file holds that many slots).</summary>
    public int Slots => _slots;

    /// <summary>Creates the file in <paramref name="folder"/>, after deleting any a killed run left there.</summary>
    public static WaitingVectors Create(string folder, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        foreach (var stale in Directory.EnumerateFiles(folder, Prefix + "*" + Suffix))
        {
            DeleteStale(stale);
        }

        var path = Path.Combine(folder, Prefix + Path.GetRandomFileName() + Suffix);
        var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        return new WaitingVectors(file, dimension);
    }

    /// <summary>Stores a vector and its memory id; returns its slot.</summary>
    public int Add(string memoryId, ReadOnlySpan<float> vector)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(vector.Length * sizeof(float), _vectorBytes, nameof(vector));
        var slot = _free.Count > 0 ? _free.Pop() : _slots++;
        var span = _slot.AsSpan();
        MemoryMarshal.AsBytes(vector).CopyTo(span);
        var idBytes = Encoding.UTF8.GetByteCount(memoryId);
        if (idBytes <= InlineIdBytes)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[_vectorBytes..], (ushort)idBytes);
            Encoding.UTF8.GetBytes(memoryId, span[(_vectorBytes + sizeof(ushort))..]);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[_vectorBytes..], LongId);
            _longIds[slot] = memoryId;
        }

        RandomAccess.Write(_file, span, Offset(slot));
        return slot;
    }

    /// <summary>Reads the vector of <paramref name="slot"/> into <paramref name="vector"/>; returns its memory id.</summary>
    public string Read(int slot, Span<float> vector)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(vector.Length * sizeof(float), _vectorBytes, nameof(vector));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)_slots, nameof(slot));
        var span = _slot.AsSpan();
        for (var read = 0; read < span.Length;)
        {
            var bytes = RandomAccess.Read(_file, span[read..], Offset(slot) + read);
            if (bytes == 0)
            {
                throw new IOException($"The near-duplicate analysis's temporary file ended inside slot {slot}; was it truncated by another process? Run validate again.");
            }

            read += bytes;
        }

        span[.._vectorBytes].CopyTo(MemoryMarshal.AsBytes(vector));
        var idBytes = BinaryPrimitives.ReadUInt16LittleEndian(span[_vectorBytes..]);
        return idBytes == LongId ? _longIds[slot] : Encoding.UTF8.GetString(span.Slice(_vectorBytes + sizeof(ushort), idBytes));
    }

    /// <summary>Frees a slot for the next vector.</summary>
    public void Release(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)_slots, nameof(slot));
        _longIds.Remove(slot);
        _free.Push(slot);
    }

    public void Dispose() => _file.Dispose();

    private long Offset(int slot) => (long)slot * _slot.Length;

    private static void DeleteStale(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Another validate of this snapshot has it open (Windows refuses to delete an open file): it is
            // not stale, and that process deletes it when it closes it.
        }
    }
}
