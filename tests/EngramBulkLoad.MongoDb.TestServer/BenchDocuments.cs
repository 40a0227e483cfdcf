using System.Globalization;
using MongoDB.Bson;

namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// Generated documents for benchmarks and end-to-end runs: about 500 bytes of text and nested metadata,
/// deterministic per number. Each document references its author in "authors" by an id field (authorId) and
/// its editor by a DBRef; document 7 names an author that does not exist, so a run shows a missing endpoint.
/// </summary>
public static class BenchDocuments
{
    /// <summary>How many authors there are.</summary>
    public const int Authors = 100;

    /// <summary>Author number <paramref name="n"/>.</summary>
    public static BsonDocument Author(int n) => new()
    {
        { "_id", AuthorId(n) },
        { "name", "author " + n.ToString(CultureInfo.InvariantCulture) },
        { "bio", "Writes about " + Words[n % Words.Length] + " and " + Words[(n + 5) % Words.Length] + "." },
    };

    private static ObjectId AuthorId(int n) => new(0x6500_0000.ToString("x8", CultureInfo.InvariantCulture) + n.ToString("x16", CultureInfo.InvariantCulture));

    private static readonly string[] Words = "data graph memory vector cortex signal recall index shard batch stream cursor document field archive".Split(' ');

    /// <summary>Document number <paramref name="n"/>.</summary>
    public static BsonDocument Create(int n)
    {
        var text = string.Join(' ', Enumerable.Range(0, 70).Select(i => Words[(n * 31 + i * 7) % Words.Length]));
        return new BsonDocument
        {
            { "_id", new ObjectId((1_700_000_000 + (n / 1000)).ToString("x8", CultureInfo.InvariantCulture) + n.ToString("x16", CultureInfo.InvariantCulture)) },
            { "title", "Document " + n.ToString(CultureInfo.InvariantCulture) },
            { "body", text },
            { "author", new BsonDocument { { "name", "author " + (n % 100).ToString(CultureInfo.InvariantCulture) }, { "address", new BsonDocument { { "city", "Berlin" }, { "zip", 10_115 + (n % 50) } } } } },
            { "tags", new BsonArray { Words[n % Words.Length], Words[(n + 3) % Words.Length] } },
            { "score", n * 0.5 },
            { "views", (long)n * 1000 },
            { "updatedAt", new BsonDateTime(1_700_000_000_000 + (n * 1000L)) },
            { "authorId", AuthorId(n == 7 ? 999 : n % Authors) },
            { "editor", new BsonDocument { { "$ref", "authors" }, { "$id", AuthorId((n + 1) % Authors) } } },
        };
    }
}
