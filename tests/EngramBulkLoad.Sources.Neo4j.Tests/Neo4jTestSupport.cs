using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Neo4j.TestServer;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Sources.Neo4j.Tests;

/// <summary>Starts the Query API test server, builds Neo4j sources against it, and reads what they produce.</summary>
internal static class Neo4jTestSupport
{
    public const string Password = "test-password";

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<Neo4jTestServer> StartAsync(Graph? graph = null, Action<Neo4jTestServerOptions>? change = null)
    {
        var options = new Neo4jTestServerOptions { Password = Password };
        change?.Invoke(options);
        return Neo4jTestServer.StartAsync(options, graph, Ct).WaitAsync(TimeSpan.FromMinutes(1), Ct);
    }

    /// <summary>The source section for the server: "nodes" (and "relationships" when given) as JSON text, other settings merged in.</summary>
    public static JsonObject Section(Neo4jTestServer server, string nodes, string? relationships = null, int pageSize = 10_000, string password = Password, string? extra = null)
    {
        var section = new JsonObject
        {
            ["name"] = "graph",
            ["kind"] = "neo4j",
            ["url"] = server.Url.ToString(),
            ["password"] = password,
            ["pageSize"] = pageSize,
            ["nodes"] = JsonNode.Parse(nodes),
        };
        if (relationships is not null)
        {
            section["relationships"] = JsonNode.Parse(relationships);
        }

        foreach (var (key, value) in extra is null ? [] : JsonNode.Parse(extra)!.AsObject().ToList())
        {
            section[key] = value?.DeepClone();
        }

        return section;
    }

    public static IRecordSource Create(JsonObject section, ShardSpec? shard = null)
    {
        var config = JobConfigLoader.Parse($$"""{ "migrationId": "neo4j-test", "sources": [ {{section.ToJsonString()}} ] }""", "/tmp/neo4j-test.json");
        return new Neo4jSourceFactory().Create(config.Sources[0], config.Extract, shard);
    }

    public static async Task<List<SourceItem>> ReadAsync(IRecordSource source, string collection, string? cursor = null)
    {
        var items = new List<SourceItem>();
        await foreach (var item in source.ReadAsync(collection, cursor, Ct).WithCancellation(Ct))
        {
            items.Add(item);
        }

        return items;
    }

    public static async Task<List<SourceItem>> ReadAllAsync(IRecordSource source)
    {
        var items = new List<SourceItem>();
        foreach (var collection in source.Collections)
        {
            items.AddRange(await ReadAsync(source, collection));
        }

        return items;
    }

    /// <summary>Runs the extract stage into a snapshot folder (resuming it when it exists), as a shard or backfill when asked.</summary>
    public static async Task<Neo4jSnapshot> ExtractAsync(string folder, JsonObject section, ShardSpec? shard = null, bool backfill = false, int partSize = 50_000, int? failAfter = null)
    {
        var job = $$"""{ "migrationId": "neo4j-test", "snapshot": "{{folder}}", "extract": { "partSize": {{partSize}} }, "sources": [ {{section.ToJsonString()}} ] }""";
        var config = JobConfigLoader.Parse(job, Path.Combine(folder, "job.json"));
        var settings = config.Extract with { Backfill = backfill };
        var source = new Neo4jSourceFactory().Create(config.Sources[0], settings, shard);
        if (failAfter is { } limit)
        {
            source = new InterruptedSource(source, limit);
        }

        await using (source)
        {
            var described = source.DescribeSettings();
            await using var store = await SnapshotStore.OpenForWriteAsync(folder, config.MigrationId,
                [new SourceEntry { Name = "graph", Kind = source.Kind, Settings = described, SettingsFingerprint = SourceSettings.Fingerprint(described) }],
                SnapshotOpenMode.CreateOrResume, TimeProvider.System, Ct);
            var stage = new ExtractStage(store, settings, new ExtractProgress());
            await stage.RunAsync([source], cancellationToken: Ct).WaitAsync(TimeSpan.FromMinutes(2), Ct);
            var manifest = store.ReadManifest();
            var records = new List<(PartEntry Part, StagedRecord Record)>();
            var edges = new List<StagedEdge>();
            var rejects = new List<RejectRecord>();
            foreach (var part in manifest.Parts.OrderBy(p => p.Collection, StringComparer.Ordinal).ThenBy(p => p.Index))
            {
                records.AddRange((await ReadPartAsync(store, part.Files.Records, PartCodecs.Records)).Select(r => (part, r)));
                edges.AddRange(await ReadPartAsync(store, part.Files.Edges, PartCodecs.Edges));
                rejects.AddRange(await ReadPartAsync(store, part.Files.ExtractRejects, PartCodecs.Rejects));
            }

            return new Neo4jSnapshot(manifest, records, edges, rejects, [.. stage.Notes]);
        }
    }

    private static async Task<List<T>> ReadPartAsync<T>(SnapshotStore store, PartFile? file, PartCodec<T> codec)
    {
        var rows = new List<T>();
        if (file is null)
        {
            return rows;
        }

        await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(file.Path), store.MigrationId, Ct);
        await foreach (var row in reader.ReadAllAsync(Ct))
        {
            rows.Add(row);
        }

        return rows;
    }

    public static Dictionary<string, object?> Props(params (string Key, object? Value)[] properties)
        => properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}

internal sealed record Neo4jSnapshot(
    SnapshotManifest Manifest, List<(PartEntry Part, StagedRecord Record)> Records, List<StagedEdge> Edges, List<RejectRecord> Rejects, List<string> Notes);
