using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Tests.Config;

public sealed class SelectSourcesTests
{
    private static readonly JobConfig Config = JobConfigLoader.Parse("""
        { "migrationId": "staged", "sources": [
          { "name": "a", "kind": "jsonl", "path": "a.jsonl", "key": "id", "text": "t" },
          { "name": "b", "kind": "jsonl", "path": "b.jsonl", "key": "id", "text": "t" },
          { "name": "c", "kind": "csv", "path": "c.csv", "key": "id", "text": "t" } ] }
        """, "/tmp/job.json");

    [Fact]
    public void SelectSources_Names_KeepsOnlyThoseInTheGivenOrder()
    {
        var selected = Config.SelectSources(["c", "a"]);

        Assert.Equal(["c", "a"], selected.Sources.Select(s => s.Name));
        Assert.Equal(Config.MigrationId, selected.MigrationId);
    }

    [Fact]
    public void SelectSources_UnknownName_NamesItAndListsTheKnownOnes()
    {
        var error = Assert.Throws<ConfigException>(() => Config.SelectSources(["b", "crm"]));

        Assert.Contains("'crm'", error.Message, StringComparison.Ordinal);
        Assert.Contains("The config's sources are: a, b, c.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelectSources_RepeatedName_IsRefused()
    {
        var error = Assert.Throws<ConfigException>(() => Config.SelectSources(["a", "a"]));

        Assert.Contains("names 'a' twice", error.Message, StringComparison.Ordinal);
    }
}
