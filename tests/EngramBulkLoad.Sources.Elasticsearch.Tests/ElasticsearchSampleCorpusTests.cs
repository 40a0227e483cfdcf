using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Elasticsearch.TestServer;
using EngramBulkLoad.Sources.Conformance;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

/// <summary>
/// The sample corpus as the compose stack seeds Elasticsearch (samples/seed/elasticsearch: PUT each index with its
/// mapping, then POST the _bulk body), sent over HTTP as the seeding service does, and extracted with
/// samples/sources/elasticsearch.json: the files corpus's records, texts and times, and all its links with their
/// weights (people's and projects' id fields, and each article's "links" array of {to, type, weight} objects).
/// </summary>
public sealed class ElasticsearchSampleCorpusTests : IDisposable
{
    private const string Password = "corpus-test-password";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Extract_SeededSampleCorpus_GivesTheFilesCorpusRecordsAndEveryLinkWithItsWeight()
    {
        var corpus = SampleCorpus.Instance;
        var options = new EsTestServerOptions();
        options.Users["elastic"] = Password;
        await using var server = await EsTestServer.StartAsync(options, cancellationToken: EsFixture.Ct);
        await SeedAsync(server.Address, corpus.Seed("elasticsearch"));
        var section = corpus.SourceSection("elasticsearch.json");
        section["nodes"] = new System.Text.Json.Nodes.JsonArray(server.Address.ToString());
        section["password"] = Password;

        var snapshot = await ConformanceRun.ExtractAsync(new ElasticsearchSourceFactory(), section, _temp.Path, cancellationToken: EsFixture.Ct);

        corpus.AssertSameRecordsAndLinks(snapshot, corpus.Links.Select(l => l.Type).Distinct().ToList(), perLinkWeights: true);
    }

    private static async Task SeedAsync(Uri address, string folder)
    {
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("elastic:" + Password)));
        foreach (var mapping in Directory.GetFiles(folder, "*.mapping.json"))
        {
            var index = Path.GetFileName(mapping)[..^".mapping.json".Length];
            using var content = new ByteArrayContent(await File.ReadAllBytesAsync(mapping, EsFixture.Ct));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var created = await http.PutAsync(new Uri(index, UriKind.Relative), content, EsFixture.Ct);
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync(EsFixture.Ct));
        }

        using var bulk = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(folder, "bulk.ndjson"), EsFixture.Ct));
        bulk.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await http.PostAsync(new Uri("_bulk?refresh=true", UriKind.Relative), bulk, EsFixture.Ct);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(EsFixture.Ct));
        Assert.False(answer.RootElement.GetProperty("errors").GetBoolean());
    }
}
