using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Tests.Config;

/// <summary>Config syntax errors name the line and column an editor shows (counted from 1).</summary>
public sealed class ConfigErrorLineTests
{
    [Fact]
    public void Parse_JsonErrorOnThirdLine_SaysLine3()
    {
        const string Text = "{\n  \"migrationId\": \"abc\",\n  \"snapshot\": ,\n  \"sources\": []\n}";

        var error = Assert.Throws<ConfigException>(() => JobConfigLoader.Parse(Text, "/tmp/job.json"));

        Assert.Contains("at line 3, column 15", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_YamlErrorOnThirdLine_SaysLine3()
    {
        const string Text = "migrationId: abc\nsnapshot: x\nsources: [a, b\nextract: {}\n";

        var error = Assert.Throws<ConfigException>(() => JobConfigLoader.Parse(Text, "/tmp/job.yaml"));

        Assert.Matches("at line [34],", error.Message);
    }
}
