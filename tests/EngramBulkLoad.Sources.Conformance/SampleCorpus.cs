using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.Conformance;

/// <summary>
/// The shipped sample corpus (samples/corpus, the files the demo reads) as the text each record must become,
/// so a source test can check that its server, seeded from samples/seed, gives the same records, texts, times and
/// links. The templates are those of samples/demo.json and samples/sources/*.json.
/// </summary>
public sealed class SampleCorpus
{
    private static readonly Lazy<SampleCorpus> Shared = new(() => new SampleCorpus(FindSamples()));

    private SampleCorpus(string samples)
    {
        Samples = samples;
        var corpus = Path.Combine(samples, "corpus");
        Collections = new Dictionary<string, IReadOnlyDictionary<string, CorpusRecord>>(StringComparer.Ordinal)
        {
            ["articles"] = Jsonl(Path.Combine(corpus, "kb-articles.jsonl"))
                .ToDictionary(a => Text(a, "id"), a => new CorpusRecord($"{Text(a, "title")}\n\n{Text(a, "body")}", Time(a, "published_at"))),
            ["people"] = Jsonl(Path.Combine(corpus, "people.jsonl")).ToDictionary(
                p => Text(p, "id"), p => new CorpusRecord($"{Text(p, "name")}, {Text(p, "role")} ({Text(p, "team")}, {Text(p, "city")})\n\n{Text(p, "bio")}", Time(p, "joined_at"))),
            ["projects"] = Jsonl(Path.Combine(corpus, "projects.jsonl"))
                .ToDictionary(p => Text(p, "id"), p => new CorpusRecord($"{Text(p, "name")}: {Text(p, "goal")}\n\n{Text(p, "summary")}", Time(p, "started_at"))),
            ["tickets"] = Csv(Path.Combine(corpus, "support-tickets.csv"))
                .ToDictionary(t => t["ticket_id"], t => new CorpusRecord($"{t["subject"]}\n\n{t["description"]}", DateTimeOffset.Parse(t["opened_at"], CultureInfo.InvariantCulture))),
        };
        Links = new[] { "kb-links.jsonl", "people-links.jsonl", "project-links.jsonl" }
            .SelectMany(file => Jsonl(Path.Combine(corpus, file)))
            .Select(l => new CorpusLink(Text(l, "from"), Text(l, "to"), Text(l, "type"), l["weight"]!.GetValue<double>()))
            .ToList();
        CacheEntries = Jsonl(Path.Combine(corpus, "cache-entries.jsonl")).Select(CacheEntry).ToList();
    }

    /// <summary>The corpus, read once per test run.</summary>
    public static SampleCorpus Instance => Shared.Value;

    /// <summary>The repository's samples folder.</summary>
    public string Samples { get; }

    /// <summary>articles, tickets, people, projects: key to the record's expected content and time.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, CorpusRecord>> Collections { get; }

    /// <summary>Every typed, weighted link of the corpus (articles, people, projects).</summary>
    public IReadOnlyList<CorpusLink> Links { get; }

    /// <summary>The Redis cache entries with the text the Redis source makes of them.</summary>
    public IReadOnlyList<CorpusCacheEntry> CacheEntries { get; }

    /// <summary>A folder of samples/seed (postgres, redis, mongodb, elasticsearch, neo4j).</summary>
    public string Seed(string shape) => Path.Combine(Samples, "seed", shape);

    /// <summary>The first source section of samples/sources/<paramref name="file"/>, for the test to point at its server.</summary>
    public JsonObject SourceSection(string file)
    {
        var text = File.ReadAllText(Path.Combine(Samples, "sources", file));
        var job = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        return job["sources"]![0]!.DeepClone().AsObject();
    }

    /// <summary>
    /// Asserts that <paramref name="snapshot"/> holds exactly the corpus's articles, tickets, people and projects
    /// (every key, every text, every time, nothing rejected) and exactly the links whose types are in
    /// <paramref name="linkTypes"/> (compared case-insensitively, as Neo4j types are upper case), with the
    /// corpus's weights when <paramref name="perLinkWeights"/>.
    /// </summary>
    public void AssertSameRecordsAndLinks(ConformanceSnapshot snapshot, IReadOnlyCollection<string> linkTypes, bool perLinkWeights)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(linkTypes);
        Assert.Empty(snapshot.Rejects);
        foreach (var collection in Collections.Keys)
        {
            AssertSameRecords(snapshot, collection);
        }

        var keys = snapshot.Records.ToDictionary(r => r.MemoryId, r => r.SourceKey, StringComparer.Ordinal);
        var wanted = Links.Where(l => linkTypes.Contains(l.Type, StringComparer.OrdinalIgnoreCase)).ToList();
        var got = snapshot.Edges.Select(e => new CorpusLink(
            keys.GetValueOrDefault(e.FromMemoryId, "(no record) " + e.FromDescription), keys.GetValueOrDefault(e.ToMemoryId, "(no record) " + e.ToDescription),
            e.Relation.ToLowerInvariant(), e.Weight ?? double.NaN)).ToList();
        Assert.Equal(wanted.Count, got.Count);
        var comparer = perLinkWeights ? (IEqualityComparer<CorpusLink>)EqualityComparer<CorpusLink>.Default : CorpusLink.IgnoringWeight;
        Assert.Empty(wanted.Except(got, comparer));
        Assert.Empty(got.Except(wanted, comparer));
    }

    /// <summary>Asserts that the snapshot's <paramref name="collection"/> holds exactly the corpus's records of that name: every key, text and time.</summary>
    public void AssertSameRecords(ConformanceSnapshot snapshot, string collection)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var expected = Collections[collection];
        var records = snapshot.Records.Where(r => r.Collection == collection).ToList();
        Assert.Equal(expected.Count, records.Count);
        Assert.Equal(expected.Count, snapshot.Counts.Single(c => c.Collection == collection).Staged);
        foreach (var record in records)
        {
            Assert.True(expected.TryGetValue(record.SourceKey, out var want), $"{collection} key {record.SourceKey} is not in the corpus");
            Assert.Equal(want.Content, record.Content);
            Assert.Equal(want.Time, record.Timestamp);
        }
    }

    /// <summary>The samples folder, found upwards from the test binaries (the repository's checkout).</summary>
    private static string FindSamples()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var samples = Path.Combine(folder.FullName, "samples");
            if (File.Exists(Path.Combine(samples, "generate_corpus.py")))
            {
                return samples;
            }
        }

        throw new DirectoryNotFoundException($"No samples/generate_corpus.py above {AppContext.BaseDirectory}: run the tests from the repository's checkout.");
    }

    private static CorpusCacheEntry CacheEntry(JsonObject entry)
    {
        var value = entry["value"]!;
        // The Redis source's @value: a string as is, hash fields as sorted "field: value" lines, list elements in order.
        var text = Text(entry, "type") switch
        {
            "string" => value.GetValue<string>(),
            "hash" => string.Join('\n', value.AsObject().OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}: {f.Value!.GetValue<string>()}")),
            _ => string.Join('\n', value.AsArray().Select(v => v!.GetValue<string>())),
        };
        var ttl = entry["ttl_seconds"]!.GetValue<long>();
        return new CorpusCacheEntry(Text(entry, "key"), text, ttl > 0 ? ttl : null);
    }

    private static string Text(JsonObject row, string field) => row[field]!.GetValue<string>();

    private static DateTimeOffset Time(JsonObject row, string field) => DateTimeOffset.Parse(Text(row, field), CultureInfo.InvariantCulture);

    private static List<JsonObject> Jsonl(string path)
        => File.ReadLines(path).Where(line => line.Length > 0).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();

    /// <summary>The corpus's CSV (RFC 4180: quoted fields, "" for a quote, no line breaks inside fields) as rows by header name.</summary>
    private static List<Dictionary<string, string>> Csv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = Fields(lines[0]);
        return lines.Skip(1).Where(line => line.Length > 0)
            .Select(line => header.Zip(Fields(line)).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal)).ToList();
    }

    private static List<string> Fields(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}

/// <summary>A record's expected content and time.</summary>
public sealed record CorpusRecord(string Content, DateTimeOffset Time);

/// <summary>A corpus link: source key, target key, type (lower case) and weight.</summary>
public sealed record CorpusLink(string From, string To, string Type, double Weight)
{
    /// <summary>Compares ends and type only, for sources whose weight is one per relation in the config.</summary>
    public static IEqualityComparer<CorpusLink> IgnoringWeight { get; } = EqualityComparer<CorpusLink>.Create(
        (a, b) => a!.From == b!.From && a.To == b.To && a.Type == b.Type, l => HashCode.Combine(l.From, l.To, l.Type));
}

/// <summary>A cache entry: its key, the content the Redis source makes of it, and its TTL (null: none).</summary>
public sealed record CorpusCacheEntry(string Key, string Content, long? TtlSeconds);
