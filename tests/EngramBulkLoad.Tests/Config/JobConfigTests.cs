using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Files;

namespace EngramBulkLoad.Tests.Config;

public sealed class JobConfigTests
{
    private const string Source = """{ "name": "kb", "kind": "jsonl", "path": "a.jsonl", "key": "id", "text": "t" }""";

    [Fact]
    public void Parse_BrokenJson_SaysWhereAndHowToFix()
    {
        var error = Assert.Throws<ConfigException>(() => JobConfigLoader.Parse("{ \"migrationId\": \"x\", ", "/tmp/job.json"));

        Assert.Contains("/tmp/job.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MisspeltSetting_NamesItAndKnownSettings()
    {
        var error = Assert.Throws<ConfigException>(() => JobConfigLoader.Parse($$"""{ "migrationId": "abc", "sourcez": [], "sources": [{{Source}}] }""", "/tmp/job.json"));

        Assert.Contains("'sourcez'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Known settings", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AB")]
    [InlineData("Has Spaces")]
    public void Parse_InvalidMigrationId_Refuses(string id)
        => Assert.Throws<ConfigException>(() => JobConfigLoader.Parse($$"""{ "migrationId": "{{id}}", "sources": [{{Source}}] }""", "/tmp/job.json"));

    [Fact]
    public void Parse_Yaml_SameAsJson()
    {
        var config = JobConfigLoader.Parse("migrationId: from-yaml\nextract:\n  partSize: 500\nsources:\n  - name: kb\n    kind: jsonl\n    path: a.jsonl\n    key: id\n    text: [t]\n", "/tmp/job.yaml");

        Assert.Equal("from-yaml", config.MigrationId);
        Assert.Equal(500, config.Extract.PartSize);
        Assert.Equal("/tmp/snapshots/from-yaml", config.Snapshot);
    }

    [Fact]
    public void SourceOptions_UnsetEnvironmentVariable_NamesIt()
    {
        var config = JobConfigLoader.Parse("""{ "migrationId": "abc", "sources": [ { "name": "kb", "kind": "jsonl", "path": "${EBL_TEST_SURELY_UNSET_VAR}", "key": "id", "text": "t" } ] }""", "/tmp/job.json");

        var error = Assert.Throws<ConfigException>(() => new FileSourceFactory().Create(config.Sources[0], config.Extract, null));

        Assert.Contains("EBL_TEST_SURELY_UNSET_VAR, which is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SourceOptions_NoKey_SaysWhatKeyIs()
    {
        var config = JobConfigLoader.Parse("""{ "migrationId": "abc", "sources": [ { "name": "kb", "kind": "jsonl", "path": "a.jsonl", "text": "t" } ] }""", "/tmp/job.json");

        var error = Assert.Throws<ConfigException>(() => new FileSourceFactory().Create(config.Sources[0], config.Extract, null));

        Assert.Contains("sources[0].key", error.Message, StringComparison.Ordinal);
    }
}
