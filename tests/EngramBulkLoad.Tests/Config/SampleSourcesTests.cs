using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EngramBulkLoad.Cli;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Sources.Conformance;
using YamlDotNet.RepresentationModel;

namespace EngramBulkLoad.Tests.Config;

/// <summary>
/// samples/sources/*.json against docker-compose.yml (no Docker engine here, so the stack is checked as text):
/// each config builds its source as the job would, points at a service of the stack on the port that service
/// listens on, takes its password only from a variable the job service sets, and every seed folder the stack
/// mounts exists; the job waits for every seeding service.
/// </summary>
public sealed partial class SampleSourcesTests
{
    private static readonly Dictionary<string, Func<JsonObject, Uri>> Targets = new(StringComparer.Ordinal)
    {
        ["postgres"] = s => new Uri("tcp://" + Setting(s["connectionString"]!, "Host") + ":" + Setting(s["connectionString"]!, "Port")),
        ["redis"] = s => new Uri($"tcp://{s["host"]}:{s["port"]}"),
        ["mongodb"] = s => new Uri(s["connectionString"]!.GetValue<string>()),
        ["elasticsearch"] = s => new Uri(s["nodes"]![0]!.GetValue<string>()),
        ["neo4j"] = s => new Uri(s["url"]!.GetValue<string>()),
    };

    [Theory]
    [InlineData("postgres.json", "postgres")]
    [InlineData("redis.json", "redis")]
    [InlineData("mongodb.json", "mongodb")]
    [InlineData("elasticsearch.json", "elasticsearch")]
    [InlineData("neo4j.json", "neo4j")]
    public async Task SampleSource_Config_BuildsItsSourceAndPointsAtTheComposeService(string file, string service)
    {
        var samples = SampleCorpus.Instance.Samples;
        var services = Services(Path.Combine(samples, "..", "docker-compose.yml"));
        var jobEnvironment = ((YamlMappingNode)services["job"]["environment"]).Children.Keys.Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        var text = await File.ReadAllTextAsync(Path.Combine(samples, "sources", file), TestContext.Current.CancellationToken);
        var variables = Variable().Matches(text).Select(m => m.Groups[1].Value).ToList();

        var config = JobConfigLoader.Parse(Variable().Replace(text, "test-value"), Path.Combine(samples, "sources", file));
        var sources = SourceRegistry.Create(config);
        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }

        Assert.NotEmpty(variables);
        Assert.All(variables, v => Assert.Contains(v, jobEnvironment));
        var section = SampleCorpus.Instance.SourceSection(file);
        var target = Targets[section["kind"]!.GetValue<string>()](section);
        Assert.Equal(service, target.Host);
        var ports = ((YamlSequenceNode)services[service]["ports"]).Children.Select(p => p.ToString().Split(':')[^1]).ToList();
        Assert.Contains(target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ports);
        Assert.Equal(Path.GetFullPath(Path.Combine(samples, "..", "snapshots", $"corpus-{service}")), config.Snapshot);
    }

    [Fact]
    public void Compose_SeedFolders_ExistAndTheJobWaitsForEverySeedingService()
    {
        var root = Path.Combine(SampleCorpus.Instance.Samples, "..");
        var services = Services(Path.Combine(root, "docker-compose.yml"));
        var mounts = services.Values.Where(s => s.Children.ContainsKey("volumes"))
            .SelectMany(s => ((YamlSequenceNode)s["volumes"]).Children.Select(v => v.ToString().Split(':')[0]))
            .Where(m => m.StartsWith("./samples/seed/", StringComparison.Ordinal)).ToList();
        var waits = ((YamlMappingNode)services["job"]["depends_on"]).Children.Keys.Select(k => k.ToString()).ToList();

        Assert.Equal(["./samples/seed/elasticsearch", "./samples/seed/mongodb", "./samples/seed/neo4j", "./samples/seed/postgres", "./samples/seed/redis"], mounts.Order(StringComparer.Ordinal));
        Assert.All(mounts, m => Assert.NotEmpty(Directory.GetFiles(Path.Combine(root, m))));
        Assert.All(services.Keys.Where(k => k.StartsWith("seed-", StringComparison.Ordinal)), seed => Assert.Contains(seed, waits));
    }

    private static Dictionary<string, YamlMappingNode> Services(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        return services.Children.ToDictionary(p => p.Key.ToString(), p => (YamlMappingNode)p.Value, StringComparer.Ordinal);
    }

    private static string Setting(JsonNode connectionString, string key)
        => connectionString.GetValue<string>().Split(';').Select(p => p.Split('=', 2)).Single(p => p[0].Equals(key, StringComparison.OrdinalIgnoreCase))[1];

    [GeneratedRegex(@"\$\{([A-Z0-9_]+)\}")]
    private static partial Regex Variable();
}
