using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;
using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql.Tests;

/// <summary>
/// Runs the extract stage on one PostgreSQL source into a snapshot folder, as a shard or a backfill when
/// asked, and reads back what it staged with the part (and so the generation) each record came from.
/// </summary>
internal static class PostgresSnapshotRun
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<PostgresSnapshot> ExtractAsync(
        string folder, string tables, ShardSpec? shard = null, bool backfill = false, int partSize = 50_000, int? failAfter = null, string? connectionString = null, string? edgeTables = null)
    {
        var section = new JsonObject
        {
            ["name"] = "pg",
            ["kind"] = "postgres",
            // UTC sessions, so watermarks of timestamptz columns read the same on any test machine.
            ["connectionString"] = connectionString ?? new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Timezone = "UTC" }.ConnectionString,
            ["tables"] = JsonNode.Parse(tables),
        };
        if (edgeTables is not null)
        {
            section["edges"] = JsonNode.Parse(edgeTables);
        }

        var job = $$"""{ "migrationId": "pg-test", "snapshot": "{{folder}}", "extract": { "partSize": {{partSize}} }, "sources": [ {{section.ToJsonString()}} ] }""";
        var config = JobConfigLoader.Parse(job, Path.Combine(folder, "job.json"));
        var settings = config.Extract with { Backfill = backfill };
        var source = new PostgresSourceFactory().Create(config.Sources[0], settings, shard);
        if (failAfter is { } limit)
        {
            source = new InterruptedSource(source, limit);
        }

        var described = source.DescribeSettings();
        await using var store = await SnapshotStore.OpenForWriteAsync(folder, config.MigrationId,
            [new SourceEntry { Name = "pg", Kind = source.Kind, Settings = described, SettingsFingerprint = SourceSettings.Fingerprint(described) }],
            SnapshotOpenMode.CreateOrResume, TimeProvider.System, Ct);
        var stage = new ExtractStage(store, settings, new ExtractProgress());
        var counts = await stage.RunAsync([source], cancellationToken: Ct).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        var manifest = store.ReadManifest();
        var records = new List<(PartEntry, StagedRecord)>();
        var edges = new List<StagedEdge>();
        var rejects = new List<RejectRecord>();
        foreach (var part in manifest.Parts.OrderBy(p => p.Collection, StringComparer.Ordinal).ThenBy(p => p.Index))
        {
            records.AddRange((await ReadAsync(store, part.Files.Records, PartCodecs.Records)).Select(r => (part, r)));
            edges.AddRange(await ReadAsync(store, part.Files.Edges, PartCodecs.Edges));
            rejects.AddRange(await ReadAsync(store, part.Files.ExtractRejects, PartCodecs.Rejects));
        }

        return new PostgresSnapshot(counts, manifest, records, edges, rejects, [.. stage.Notes]);
    }

    private static async Task<List<T>> ReadAsync<T>(SnapshotStore store, PartFile? file, PartCodec<T> codec)
    {
        if (file is null)
        {
            return [];
        }

        await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(file.Path), store.MigrationId, Ct);
        return await reader.ReadAllAsync(Ct).ToListAsync(Ct);
    }
}

/// <summary>What one extract run left in its snapshot.</summary>
internal sealed record PostgresSnapshot(
    IReadOnlyList<CollectionCounts> Counts, SnapshotManifest Manifest, List<(PartEntry Part, StagedRecord Record)> Records, List<StagedEdge> Edges, List<RejectRecord> Rejects, IReadOnlyList<string> Notes)
{
    /// <summary>Every staged record, in part order.</summary>
    public List<StagedRecord> AllRecords => [.. Records.Select(r => r.Record)];

    /// <summary>The records written in parts of one generation (0: the first extract, 1: the first backfill, ...).</summary>
    public List<StagedRecord> Generation(int generation) => Records.Where(r => r.Part.Generation == generation).Select(r => r.Record).ToList();

    /// <summary>The extraction progress of one collection.</summary>
    public CollectionProgress Progress(string collection) => Manifest.Collections.Single(c => c.Collection == collection);
}
