using System.Text;
using System.Text.Json;

namespace EngramBulkLoad.Sources.Neo4j.QueryApi;

/// <summary>
/// Reads a Query API response body as it arrives, one row at a time, so a large result is never held whole:
/// <c>{"data": {"fields": [...], "values": [[row], [row], ...]}, "bookmarks": [...]}</c>. The server streams the
/// rows as its query produces them and, when the query fails part-way, ends the object with an
/// <c>"errors": [{"code", "message"}]</c> member after the rows already sent (DriverResultSerializer.write in
/// neo4j/neo4j community/server/.../queryapi/response/format), so errors are looked for after the data too.
/// Memory: the buffer grows to the largest single row, never to the result.
/// </summary>
internal sealed class QueryResultReader
{
    private const int ChunkSize = 64 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer = new byte[ChunkSize];
    private int _start;
    private int _end;
    private bool _eof;

    public QueryResultReader(Stream stream) => _stream = stream;

    /// <summary>The result's field names, known once the first row (or the end) has been read.</summary>
    public IReadOnlyList<string> Fields { get; private set; } = [];

    /// <summary>Reads the rows; throws <see cref="QueryApiException"/> when the body carries errors.</summary>
    public async IAsyncEnumerable<object?[]> ReadRowsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await EmptyObjectAsync(cancellationToken))
        {
            yield break;
        }

        while (true)
        {
            var name = await ReadMemberNameAsync(cancellationToken);
            if (name == "data")
            {
                await foreach (var row in ReadDataAsync(cancellationToken))
                {
                    yield return row;
                }
            }
            else if (name == "errors")
            {
                var (start, length) = await CompleteValueAsync(cancellationToken);
                throw QueryApiErrors.FromBody(null, _buffer.AsSpan(start, length));
            }
            else
            {
                await SkipValueAsync(cancellationToken);
            }

            if (await EndOfObjectAsync($"after the member \"{name}\"", cancellationToken))
            {
                yield break;
            }
        }
    }

    private async IAsyncEnumerable<object?[]> ReadDataAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await EmptyObjectAsync(cancellationToken))
        {
            yield break;
        }

        while (true)
        {
            var name = await ReadMemberNameAsync(cancellationToken);
            if (name == "fields")
            {
                var (start, length) = await CompleteValueAsync(cancellationToken);
                Fields = JsonSerializer.Deserialize(_buffer.AsSpan(start, length), QueryApiJson.Default.StringArray) ?? [];
                _start = start + length;
            }
            else if (name == "values")
            {
                await ExpectAsync((byte)'[', cancellationToken);
                if (await PeekAsync(cancellationToken) == ']')
                {
                    _start++;
                }
                else
                {
                    while (true)
                    {
                        var (start, length) = await CompleteValueAsync(cancellationToken);
                        var row = ParseRow(_buffer.AsSpan(start, length));
                        _start = start + length;
                        yield return row;
                        var separator = await NextAsync(cancellationToken);
                        if (separator == ']')
                        {
                            break;
                        }

                        if (separator != ',')
                        {
                            throw Malformed($"expected ',' or ']' between rows, found '{(char)separator}'");
                        }
                    }
                }
            }
            else
            {
                await SkipValueAsync(cancellationToken);
            }

            if (await EndOfObjectAsync("in \"data\"", cancellationToken))
            {
                yield break;
            }
        }
    }

    /// <summary>Consumes an object's opening brace; true (and the closing brace consumed) when the object is empty.</summary>
    private async ValueTask<bool> EmptyObjectAsync(CancellationToken cancellationToken)
    {
        await ExpectAsync((byte)'{', cancellationToken);
        if (await PeekAsync(cancellationToken) != '}')
        {
            return false;
        }

        _start++;
        return true;
    }

    /// <summary>Reads a member's name and the colon after it.</summary>
    private async ValueTask<string> ReadMemberNameAsync(CancellationToken cancellationToken)
    {
        var name = await ReadStringAsync(cancellationToken);
        await ExpectAsync((byte)':', cancellationToken);
        return name;
    }

    /// <summary>Skips a member's value this reader does not use (bookmarks, notifications, counters, ...).</summary>
    private async ValueTask SkipValueAsync(CancellationToken cancellationToken)
    {
        var (start, length) = await CompleteValueAsync(cancellationToken);
        _start = start + length;
    }

    /// <summary>Consumes the separator after a member: true at the object's closing brace, false at a comma.</summary>
    private async ValueTask<bool> EndOfObjectAsync(string where, CancellationToken cancellationToken)
    {
        var next = await NextAsync(cancellationToken);
        return next switch
        {
            (byte)'}' => true,
            (byte)',' => false,
            _ => throw Malformed($"expected ',' or '}}' {where}, found '{(char)next}'"),
        };
    }

    private object?[] ParseRow(ReadOnlySpan<byte> json)
    {
        try
        {
            return ParseRowValues(json);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw Malformed($"a row could not be read ({ex.Message})");
        }
    }

    private object?[] ParseRowValues(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Malformed($"expected a row (an array of values), found {reader.TokenType}");
        }

        var row = new object?[Fields.Count];
        var i = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var value = TypedJson.Read(ref reader);
            if (i < row.Length)
            {
                row[i] = value;
            }

            i++;
        }

        if (i != row.Length)
        {
            throw Malformed($"a row has {i} values for {row.Length} fields");
        }

        return row;
    }

    /// <summary>Ensures a complete JSON value starts at the next non-blank byte; returns where it is in the buffer.</summary>
    private async ValueTask<(int Start, int Length)> CompleteValueAsync(CancellationToken cancellationToken)
    {
        await PeekAsync(cancellationToken);
        while (true)
        {
            var length = MeasureValue(_buffer.AsSpan(_start, _end - _start), _eof);
            if (length > 0)
            {
                return (_start, length);
            }

            if (_eof || length < 0)
            {
                throw Malformed(_eof ? "the response ended inside a value" : "a value is not valid JSON");
            }

            await FillAsync(cancellationToken);
        }
    }

    /// <summary>The length of the complete value at the start of the span, 0 when more bytes are needed, -1 when it is not JSON.</summary>
    private static int MeasureValue(ReadOnlySpan<byte> span, bool final)
    {
        var reader = new Utf8JsonReader(span, isFinalBlock: final, state: default);
        try
        {
            if (!reader.Read())
            {
                return 0;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
            {
                return 0;
            }

            return (int)reader.BytesConsumed;
        }
        catch (JsonException)
        {
            // Before the end, a value cut at the end of the buffer (a number whose end is not here yet) reads as more-needed.
            return final ? -1 : 0;
        }
    }

    private async ValueTask<string> ReadStringAsync(CancellationToken cancellationToken)
    {
        if (await PeekAsync(cancellationToken) != '"')
        {
            throw Malformed($"expected a member name, found '{(char)_buffer[_start]}'");
        }

        var (start, length) = await CompleteValueAsync(cancellationToken);
        var reader = new Utf8JsonReader(_buffer.AsSpan(start, length), isFinalBlock: true, state: default);
        reader.Read();
        _start = start + length;
        return reader.GetString()!;
    }

    private async ValueTask ExpectAsync(byte expected, CancellationToken cancellationToken)
    {
        var found = await NextAsync(cancellationToken);
        if (found != expected)
        {
            throw Malformed($"expected '{(char)expected}', found '{(char)found}'");
        }
    }

    /// <summary>Consumes and returns the next non-blank byte.</summary>
    private async ValueTask<byte> NextAsync(CancellationToken cancellationToken)
    {
        var b = await PeekAsync(cancellationToken);
        _start++;
        return b;
    }

    /// <summary>The next non-blank byte, not consumed.</summary>
    private async ValueTask<byte> PeekAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            while (_start < _end)
            {
                var b = _buffer[_start];
                if (b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
                {
                    _start++;
                    continue;
                }

                return b;
            }

            if (_eof)
            {
                throw Malformed("the response ended early");
            }

            await FillAsync(cancellationToken);
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    private QueryApiException Malformed(string problem)
    {
        var near = Encoding.UTF8.GetString(_buffer, _start, Math.Min(80, _end - _start));
        return new QueryApiException(null, null, $"the Query API response is not what Neo4j sends: {problem} (near \"{near}\").", isTransient: false);
    }
}
