using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

/// <summary>Config errors say what was expected and how to fix it; the fix they name works.</summary>
public sealed class ElasticsearchConfigTests
{
    [Theory]
    [InlineData("""{ "index": "a", "text": "body", "key": "id" }""", "", "cannot be set for Elasticsearch")]
    [InlineData("""{ "index": "a", "text": "body", "sortfield": "n" }""", "", "is not a known setting")]
    [InlineData("""{ "index": "a", "text": "body" }""", "\"apiKey\": \"k\", \"username\": \"u\", \"password\": \"p\"", "one kind of credentials")]
    [InlineData("""{ "index": "a", "text": "body" }""", "\"username\": \"u\"", "needs both a username and a password")]
    [InlineData("""{ "index": "a", "text": "body" }""", "\"keepAlive\": \"5 minutes\"", "is not an Elasticsearch time unit")]
    [InlineData("""{ "index": "a", "text": "body", "query": "status:open" }""", "", "expected a query object")]
    [InlineData("""{ "index": "a", "text": "body", "references": [ { "fields": "p", "references": "b" } ] }""", "", "not one of this source's indexes")]
    public void Create_InvalidSettings_ConfigErrorSaysWhatToFix(string index, string extra, string expected)
    {
        var comma = extra.Length > 0 ? "," : string.Empty;
        var job = $$"""{ "migrationId": "es-config", "sources": [ { "name": "es", "kind": "elasticsearch", "nodes": "http://127.0.0.1:1", "indexes": [ {{index}} ] {{comma}} {{extra}} } ] }""";
        var config = JobConfigLoader.Parse(job, "/tmp/es-config.json");

        var error = Assert.Throws<ConfigException>(() => new ElasticsearchSourceFactory().Create(config.Sources[0], config.Extract, null));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeSettings_HidesPasswordAndApiKey()
    {
        Environment.SetEnvironmentVariable("EBL_TEST_ES_PASSWORD", "env-secret-93");
        var job = """{ "migrationId": "es-config", "sources": [ { "name": "es", "kind": "elasticsearch", "nodes": "http://127.0.0.1:1", "username": "u", "password": "${EBL_TEST_ES_PASSWORD}", "indexes": [ { "index": "a", "text": "body" } ] } ] }""";
        var config = JobConfigLoader.Parse(job, "/tmp/es-config.json");

        var described = new ElasticsearchSourceFactory().Create(config.Sources[0], config.Extract, null).DescribeSettings().ToJsonString();

        Assert.DoesNotContain("env-secret-93", described, StringComparison.Ordinal);
        Assert.DoesNotContain("password", described, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"username\":\"u\"", described, StringComparison.Ordinal);
    }
}
