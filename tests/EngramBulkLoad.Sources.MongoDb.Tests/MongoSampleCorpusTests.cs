using EngramBulkLoad.Sources.Conformance;
using MongoDB.Bson;
using MongoDB.Driver;

namespace EngramBulkLoad.Sources.MongoDb.Tests;

/// <summary>
/// The sample corpus as the compose stack seeds MongoDB (samples/seed/mongodb, one mongoimport file per collection),
/// inserted through the driver's insert command as mongoimport does, and extracted with samples/sources/mongodb.json:
/// the files corpus's records, texts and times, and every link (the article links as arrays of _ids).
/// </summary>
public sealed class MongoSampleCorpusTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_SeededSampleCorpus_GivesTheFilesCorpusRecordsAndEveryLink()
    {
        var corpus = SampleCorpus.Instance;
        await using var mongo = MongoFixture.Start();
        var database = new MongoClient(mongo.Server.ConnectionString(MongoFixture.User, MongoFixture.Password)).GetDatabase("corpus");
        foreach (var file in Directory.GetFiles(corpus.Seed("mongodb"), "*.json"))
        {
            // mongoimport's input: one Extended JSON document per line.
            var documents = File.ReadLines(file).Where(line => line.Length > 0).Select(BsonDocument.Parse).ToList();
            await database.GetCollection<BsonDocument>(Path.GetFileNameWithoutExtension(file)).InsertManyAsync(documents, cancellationToken: Ct);
        }

        var section = corpus.SourceSection("mongodb.json");
        section["connectionString"] = mongo.Server.ConnectionString(MongoFixture.User, MongoFixture.Password);
        section.Remove("password");

        var snapshot = await ConformanceRun.ExtractAsync(new MongoSourceFactory(), section, _temp.Path, cancellationToken: Ct);

        corpus.AssertSameRecordsAndLinks(snapshot, corpus.Links.Select(l => l.Type).Distinct().ToList(), perLinkWeights: false);
        Assert.IsType<BsonDateTime>(mongo.Server.Store.Documents("corpus", "articles")![0]["published_at"]);
    }
}
