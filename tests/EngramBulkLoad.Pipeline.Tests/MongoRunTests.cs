using EngramBulkLoad.Identity;
using EngramBulkLoad.MongoDb.TestServer;
using static EngramBulkLoad.Pipeline.Tests.TestSupport;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>The whole job from the in-repo MongoDB server (authentication on) into the Engram test server.</summary>
public sealed class MongoRunTests : IDisposable
{
    private const int Documents = 300;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ebl-pipeline-mongo", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Run_MongoIntoEngram_ExactCountsWithIdFieldsAndDbRefsAsAssociations()
    {
        await using var mongo = MongoTestServer.Start();
        mongo.AddUser("reader", "run-test-password");
        mongo.Store.Insert("bench", "authors", Enumerable.Range(0, BenchDocuments.Authors).Select(BenchDocuments.Author));
        mongo.Store.Insert("bench", "docs", Enumerable.Range(0, Documents).Select(BenchDocuments.Create));
        await using var server = await StartServerAsync();
        Directory.CreateDirectory(_folder);
        var config = Path.Combine(_folder, "job.json");
        await File.WriteAllTextAsync(config, $$"""
            { "migrationId": "mongo-run", "snapshot": "snapshot", "extract": { "partSize": 100 },
              "sources": [ { "name": "blog", "kind": "mongodb", "connectionString": "{{mongo.ConnectionString("reader", "run-test-password")}}", "database": "bench",
                "collections": [
                  { "collection": "docs", "template": "{title}\n\n{body}", "timestamp": "updatedAt",
                    "references": [ { "fields": "authorId", "references": "authors", "relation": "written_by" } ] },
                  { "collection": "authors", "text": ["name", "bio"] } ] } ] }
            """, Ct);

        var (exit, output, error) = await CliAsync("run", "-c", config, "--engram", server.Address, "--memory-space", Space);

        Assert.True(exit == 0, error + output);
        var expected = Enumerable.Range(0, Documents).Select(n => MemoryIdentity.ForRecord("mongodb", "blog", "docs", BenchDocuments.Create(n)["_id"].AsObjectId.ToString()))
            .Concat(Enumerable.Range(0, BenchDocuments.Authors).Select(n => MemoryIdentity.ForRecord("mongodb", "blog", "authors", BenchDocuments.Author(n)["_id"].AsObjectId.ToString())))
            .ToHashSet();
        // Every document reached Engram; Engram itself may merge near-duplicate texts of the generated corpus
        // (its deduplication is on, as in the test server), so what it holds is checked by validation, not here.
        Assert.Equal(expected, server.Store.RequestsPerId.Keys.ToHashSet());
        // Each document: written_by (authorId) and editor (a DBRef); document 7's author does not exist.
        Assert.Equal((2 * Documents) - 1, server.Store.AssociateCalls.Count);
        var manifest = await RunTests.ReadManifestAsync(Path.Combine(_folder, "snapshot"));
        Assert.Equal(Documents + BenchDocuments.Authors, manifest.Parts.Sum(p => p.Counts.Loaded ?? 0));
        Assert.Equal(1, manifest.Parts.Sum(p => p.Counts.AssociationsRejected ?? 0));
        Assert.DoesNotContain("run-test-password", output + error, StringComparison.Ordinal);
    }
}
