using System.Text.Json;
using EngramBulkLoad.Identity;

namespace EngramBulkLoad.Pipeline.Tests;

/// <summary>
/// A generated corpus in a temporary folder: documents (some with empty text, which extraction rejects),
/// links between them (some to documents that do not exist), and a job config that reads both.
/// </summary>
internal sealed class TestCorpus : IDisposable
{
    private readonly int _emptyEvery;

    public TestCorpus(int documents, int emptyEvery = 97, int partSize = 500, string? extraJson = null)
    {
        _emptyEvery = emptyEvery;
        Directory.CreateDirectory(Folder);
        var lines = new List<string>();
        for (var i = 1; i <= documents; i++)
        {
            var text = i % emptyEvery == 0 ? string.Empty : $"Document {i} about topic {i % 17}: {Words(i)}";
            if (text.Length == 0)
            {
                EmptyTexts++;
            }

            lines.Add(JsonSerializer.Serialize(new { id = i, title = $"doc {i}", body = text, team = $"team-{i % 5}" }));
        }

        File.WriteAllLines(Path.Combine(Folder, "docs.jsonl"), lines);
        var links = new List<string>();
        for (var i = 1; i <= documents; i++)
        {
            links.Add(JsonSerializer.Serialize(new { from = i, to = (i % documents) + 1, type = "related" }));
        }

        links.Add(JsonSerializer.Serialize(new { from = 1, to = documents + 1000, type = "related" }));
        File.WriteAllLines(Path.Combine(Folder, "links.jsonl"), links);
        Documents = documents;
        Links = links.Count;
        ConfigPath = Path.Combine(Folder, "job.json");
        File.WriteAllText(ConfigPath, $$"""
            {
              "migrationId": "pipeline-test",
              "snapshot": "snapshot",
              "extract": { "partSize": {{partSize}} },
              "sources": [
                { "name": "docs", "kind": "jsonl", "path": "docs.jsonl", "collection": "docs", "key": "id", "text": "body",
                  "edges": { "path": "links.jsonl", "from": "from", "to": "to", "relation": "type" } }
              ]{{extraJson ?? string.Empty}}
            }
            """);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "ebl-pipeline-tests", Guid.NewGuid().ToString("N"));

    public string ConfigPath { get; }

    public string SnapshotFolder => Path.Combine(Folder, "snapshot");

    public int Documents { get; }

    public int EmptyTexts { get; }

    public int Links { get; }

    /// <summary>The memory ids every document with text must end up as.</summary>
    public HashSet<string> ExpectedIds()
        => [.. Enumerable.Range(1, Documents).Where(i => i % _emptyEvery != 0).Select(i => MemoryIdentity.ForRecord("jsonl", "docs", "docs", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))];

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private static string Words(int seed)
    {
        string[] words = ["engram", "memory", "graph", "vector", "confidence", "decay", "association", "parquet", "snapshot", "cluster", "replica", "schema"];
        return string.Join(' ', Enumerable.Range(0, 12).Select(k => words[(seed * 7 + k * 13 + (seed / (k + 1))) % words.Length])) + $" ref-{seed}";
    }
}
