using System.Text.Json;
using EngramBulkLoad.Errors;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace EngramBulkLoad.Configuration;

/// <summary>Reads a job config file: JSON (comments and trailing commas allowed) or YAML (.yaml, .yml).</summary>
public static class JobConfigLoader
{
    /// <summary>Reads and validates the file; every problem is a <see cref="ConfigException"/> naming where it is.</summary>
    public static async Task<JobConfig> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw ErrorFactory.Config(path, "the config file does not exist.", "Pass --config with the path of a JSON or YAML job config (see samples/ for examples).");
        }

        var text = await File.ReadAllTextAsync(fullPath, cancellationToken);
        return Parse(text, fullPath);
    }

    /// <summary>Parses config text; <paramref name="fileName"/> decides JSON or YAML and anchors relative paths.</summary>
    public static JobConfig Parse(string text, string fileName)
    {
        var extension = System.IO.Path.GetExtension(fileName).ToLowerInvariant();
        var json = extension is ".yaml" or ".yml" ? YamlToJson(text, fileName) : text;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            // System.Text.Json counts lines and bytes from 0; editors count from 1.
            var problem = ex.Message;
            var at = problem.IndexOf(" LineNumber:", StringComparison.Ordinal);
            problem = at < 0 ? problem : problem[..at];
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, column {(ex.BytePositionInLine ?? 0) + 1}" : string.Empty;
            throw ErrorFactory.Config(fileName, $"is not valid JSON{where}: {problem}", "Fix the syntax there.");
        }

        using (document)
        {
            // Clone: the config outlives the document, and sections are handed to stages as elements.
            var root = new ConfigNode(document.RootElement.Clone(), string.Empty);
            return JobConfig.From(root, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(fileName))!);
        }
    }

    private static string YamlToJson(string yaml, string fileName)
    {
        try
        {
            var graph = new DeserializerBuilder().Build().Deserialize<object>(yaml)
                ?? throw ErrorFactory.Config(fileName, "is empty.", "Write the job config as a YAML mapping.");
            return new SerializerBuilder().JsonCompatible().Build().Serialize(graph);
        }
        catch (YamlException ex)
        {
            throw ErrorFactory.Config(fileName, $"is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}", "Fix the indentation or syntax there.");
        }
    }
}
