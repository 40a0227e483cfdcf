using System.Text;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Tests.Extraction;

/// <summary>Bytes that are not UTF-8 are a reject naming the line, never replacement characters (issue 12, section 6).</summary>
public sealed class InvalidUtf8Tests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Bytes(params object[] pieces)
        => [.. pieces.SelectMany(piece => piece is string text ? Encoding.UTF8.GetBytes(text) : (byte[])piece)];

    [Fact]
    public async Task Extract_JsonlWithLatin1Byte_RejectsThatLineOnly()
    {
        using var temp = new TempFolder();
        // Line 2 holds "café" in Latin-1 (0xE9 alone); line 3 a real U+FFFD written as UTF-8, which is valid text.
        await File.WriteAllBytesAsync(temp.File("docs.jsonl"), Bytes(
            "{\"id\": 1, \"text\": \"caf\u00e9 ok\"}\n",
            "{\"id\": 2, \"text\": \"caf", new byte[] { 0xE9 }, "\"}\r\n",
            "{\"id\": 3, \"text\": \"kept \uFFFD as written\"}\n",
            "\n",
            "{\"id\": 4, \"text\": \"bad ", new byte[] { 0xF0, 0x9F }, " end\"}\n",
            "{\"id\": 5, \"text\": \"last\"}"), Ct);

        var (counts, rejects, records) = await FileExtractionTests.ExtractAsync(temp, """{ "name": "docs", "kind": "jsonl", "path": "docs.jsonl", "key": "id", "text": "text" }""");

        Assert.True(Assert.Single(counts).Reconciles);
        Assert.Equal(["1", "3", "5"], records.Select(r => r.SourceKey));
        Assert.Equal("kept \uFFFD as written", records[1].Content);
        Assert.Equal(["line 2", "line 5"], rejects.Select(r => r.Location));
        Assert.All(rejects, reject => Assert.Equal(RejectCodes.Malformed, reject.Code));
        Assert.Contains("not UTF-8 on line 2", rejects[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(records, record => record.Content.Contains('\uFFFD', StringComparison.Ordinal) && record.SourceKey != "3");
    }

    [Fact]
    public async Task Extract_CsvWithInvalidByteInsideMultiLineField_RejectsThatRecord()
    {
        using var temp = new TempFolder();
        await File.WriteAllBytesAsync(temp.File("t.csv"), Bytes(
            "id,subject,body\n",
            "1,Hello,\"multi\n", "li", new byte[] { 0xFF }, "ne\"\n",
            "2,Fine,ok\n",
            "3,Bad ", new byte[] { 0xC3 }, ",x\n",
            "4,Also,fine\n"), Ct);

        var (counts, rejects, records) = await FileExtractionTests.ExtractAsync(temp, """{ "name": "t", "kind": "csv", "path": "t.csv", "key": "id", "text": ["subject", "body"] }""");

        Assert.Equal((4L, 2L, 2L), (Assert.Single(counts).SourceRows, Assert.Single(counts).Staged, Assert.Single(counts).Rejected));
        Assert.Equal(["2", "4"], records.Select(r => r.SourceKey));
        Assert.Contains("not UTF-8 on line 3", rejects[0].Message, StringComparison.Ordinal);
        Assert.Contains("not UTF-8 on line 5", rejects[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_CsvHeaderNotUtf8_StopsNamingTheFile()
    {
        using var temp = new TempFolder();
        await File.WriteAllBytesAsync(temp.File("t.csv"), Bytes("id,subj", new byte[] { 0xE9 }, "t,body\n1,a,b\n"), Ct);

        var error = await Assert.ThrowsAsync<SourceException>(() => FileExtractionTests.ExtractAsync(temp, """{ "name": "t", "kind": "csv", "path": "t.csv", "key": "id", "text": "body" }"""));

        Assert.Contains("header row holds bytes that are not UTF-8 on line 1", error.Message, StringComparison.Ordinal);
    }
}
