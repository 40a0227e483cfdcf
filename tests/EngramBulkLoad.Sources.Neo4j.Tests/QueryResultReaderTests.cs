using System.Text;
using EngramBulkLoad.Sources.Neo4j.QueryApi;
using static EngramBulkLoad.Sources.Neo4j.Tests.Neo4jTestSupport;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>The streaming reader of Query API bodies: rows as they arrive, whatever the chunking, errors after rows.</summary>
public sealed class QueryResultReaderTests
{
    private const string Body = """
        { "data": { "fields": ["key", "tags"], "values": [
            [ {"$type": "Integer", "_value": "1"}, {"$type": "List", "_value": [ {"$type": "String", "_value": "a\"b"} ]} ],
            [ {"$type": "Integer", "_value": "-9223372036854775808"}, {"$type": "Null", "_value": null} ]
          ] },
          "notifications": [ { "code": "Neo.ClientNotification.Statement.UnknownLabelWarning" } ],
          "bookmarks": ["FB:kcwQ"] }
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public async Task ReadRows_AnyChunking_SameRowsAndTypes(int chunk)
    {
        var reader = new QueryResultReader(new ChunkedStream(Encoding.UTF8.GetBytes(Body), chunk));

        var rows = await reader.ReadRowsAsync(Ct).ToListAsync(Ct);

        Assert.Equal(["key", "tags"], reader.Fields);
        Assert.Equal(2, rows.Count);
        Assert.Equal(1L, rows[0][0]);
        Assert.Equal(["a\"b"], Assert.IsType<List<object?>>(rows[0][1]));
        Assert.Equal(long.MinValue, rows[1][0]);
        Assert.Null(rows[1][1]);
    }

    [Fact]
    public async Task ReadRows_ErrorsAfterRows_RowsFirstThenTheServersError()
    {
        const string body = """{"data":{"fields":["n"],"values":[[{"$type":"Integer","_value":"1"}]]},"errors":[{"code":"Neo.TransientError.General.DatabaseUnavailable","message":"gone"}]}""";
        var reader = new QueryResultReader(new ChunkedStream(Encoding.UTF8.GetBytes(body), 5));
        var rows = new List<object?[]>();

        var error = await Assert.ThrowsAsync<QueryApiException>(async () =>
        {
            await foreach (var row in reader.ReadRowsAsync(Ct))
            {
                rows.Add(row);
            }
        });

        Assert.Single(rows);
        Assert.Equal("Neo.TransientError.General.DatabaseUnavailable", error.Code);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task ReadRows_BodyCutShort_MalformedNotAShortResult()
    {
        var reader = new QueryResultReader(new ChunkedStream(Encoding.UTF8.GetBytes(Body[..120]), 16));

        var error = await Assert.ThrowsAsync<QueryApiException>(() => reader.ReadRowsAsync(Ct).ToListAsync(Ct).AsTask());

        Assert.Contains("not what Neo4j sends", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A stream that hands out at most <paramref name="chunk"/> bytes a read, as a slow network does.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
