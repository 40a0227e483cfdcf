using System.Buffers;
using System.Text;

namespace EngramBulkLoad.Sources.Files;

/// <summary>
/// Passes a file's bytes through unchanged and notes the lines (from 1; a line ends at "\n", "\r\n" or a
/// lone "\r", as <see cref="StreamReader.ReadLine"/> splits them) that hold bytes which are not UTF-8. A
/// StreamReader turns such bytes into U+FFFD without a word; the readers ask this stream instead, so such a
/// line becomes a reject naming its line. Memory is bounded by the reader's read-ahead: lines the reader has
/// passed are forgotten.
/// </summary>
internal sealed class Utf8CheckingStream(Stream inner) : Stream
{
    private readonly Queue<long> _invalidLines = new();
    private long _lastInvalidLine;
    private readonly byte[] _carry = new byte[4];
    private int _carried;
    private long _line = 1;
    private bool _lastWasCarriageReturn;
    private bool _started;
    private bool _disabled;

    /// <summary>
    /// The first line in <paramref name="firstLine"/>..<paramref name="lastLine"/> with bytes that are not UTF-8,
    /// or null; lines up to <paramref name="lastLine"/> are forgotten.
    /// </summary>
    public long? InvalidLineIn(long firstLine, long lastLine)
    {
        long? found = null;
        while (_invalidLines.TryPeek(out var line) && line <= lastLine)
        {
            _invalidLines.Dequeue();
            if (line >= firstLine)
            {
                found ??= line;
            }
        }

        return found;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Scan(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Scan(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Opens a file for sequential reading through the check.</summary>
    public static Utf8CheckingStream Open(string path)
        => new(new FileStream(path, new FileStreamOptions { BufferSize = 1 << 16, Options = FileOptions.SequentialScan }));

    /// <summary>The reject message of a line with bytes that are not UTF-8.</summary>
    public static string Problem(long line)
        => $"holds bytes that are not UTF-8 on line {line}; they would have become replacement characters (U+FFFD). Convert the file to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8), or fix that line.";

    private void Scan(ReadOnlySpan<byte> bytes)
    {
        if (!_started && bytes.Length > 0)
        {
            _started = true;
            // A UTF-16 or UTF-32 byte order mark: the StreamReader decodes that encoding, and these are not UTF-8 bytes.
            _disabled = bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || bytes.StartsWith((ReadOnlySpan<byte>)[0, 0, 0xFE, 0xFF]);
        }

        if (_disabled || bytes.IsEmpty)
        {
            return;
        }

        if (_carried > 0)
        {
            // A sequence cut by the previous read: finish it with the first bytes of this one.
            var take = Math.Min(4 - _carried, bytes.Length);
            bytes[..take].CopyTo(_carry.AsSpan(_carried));
            var status = Rune.DecodeFromUtf8(_carry.AsSpan(0, _carried + take), out _, out var consumed);
            if (status == OperationStatus.NeedMoreData && take == bytes.Length)
            {
                _carried += take;
                return;
            }

            if (status != OperationStatus.Done)
            {
                Invalid();
            }

            // The bytes of this read that completed the sequence (or the first invalid byte).
            var used = Math.Max(consumed - _carried, 0);
            _carried = 0;
            bytes = bytes[used..];
        }

        while (!bytes.IsEmpty)
        {
            // Fast path: a run of ASCII without line breaks.
            var special = bytes.IndexOfAnyExcept(AsciiWithoutBreaks);
            if (special < 0)
            {
                _lastWasCarriageReturn = false;
                return;
            }

            if (special > 0)
            {
                _lastWasCarriageReturn = false;
                bytes = bytes[special..];
            }

            var b = bytes[0];
            if (b == (byte)'\n')
            {
                if (!_lastWasCarriageReturn)
                {
                    _line++;
                }

                _lastWasCarriageReturn = false;
                bytes = bytes[1..];
                continue;
            }

            if (b == (byte)'\r')
            {
                _line++;
                _lastWasCarriageReturn = true;
                bytes = bytes[1..];
                continue;
            }

            _lastWasCarriageReturn = false;
            var result = Rune.DecodeFromUtf8(bytes, out _, out var length);
            if (result == OperationStatus.NeedMoreData)
            {
                bytes.CopyTo(_carry);
                _carried = bytes.Length;
                return;
            }

            if (result != OperationStatus.Done)
            {
                Invalid();
            }

            bytes = bytes[Math.Max(length, 1)..];
        }
    }

    private void Invalid()
    {
        if (_lastInvalidLine != _line)
        {
            _invalidLines.Enqueue(_line);
            _lastInvalidLine = _line;
        }
    }

    private static readonly SearchValues<byte> AsciiWithoutBreaks = SearchValues.Create([.. Enumerable.Range(0, 128).Where(b => b is not '\n' and not '\r').Select(b => (byte)b)]);
}
