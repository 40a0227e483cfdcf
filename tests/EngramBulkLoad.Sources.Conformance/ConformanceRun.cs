using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Sources.Conformance;

/// <summary>
/// Runs the real extract stage on one source section into a snapshot folder (as a shard, a backfill or
/// an interrupted run when asked) and reads back everything it staged, part by part.
/// </summary>
public static class ConformanceRun
{
    /// <summary>The source name every conformance section gets; part of every memory id.</summary>
    public const string SourceName = "conf";

    /// <summary>Extracts <paramref name="section"/> into <paramref name="folder"/> (created, or resumed when it holds a snapshot).</summary>
    public static async Task<ConformanceSnapshot> ExtractAsync(
        IRecordSourceFactory factory, JsonObject section, string folder,
        ShardSpec? shard = null, bool backfill = false, int partSize = 50_000, int? failAfter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(section);
        var named = section.DeepClone().AsObject();
        named["name"] = SourceName;
        var job = new JsonObject
        {
            ["migrationId"] = "conformance",
            ["snapshot"] = folder,
            ["extract"] = new JsonObject { ["partSize"] = partSize },
            ["sources"] = new JsonArray(named),
        };
        var config = JobConfigLoader.Parse(job.ToJsonString(), Path.Combine(folder, "job.json"));
        var settings = config.Extract with { Backfill = backfill };
        var source = factory.Create(config.Sources[0], settings, shard);
        if (failAfter is { } limit)
        {
            source = new InterruptedSource(source, limit);
        }

        await using var owned = source;
        var described = source.DescribeSettings();
        await using var store = await SnapshotStore.OpenForWriteAsync(folder, config.MigrationId,
            [new SourceEntry { Name = SourceName, Kind = source.Kind, Settings = described, SettingsFingerprint = SourceSettings.Fingerprint(described) }],
            SnapshotOpenMode.CreateOrResume, TimeProvider.System, cancellationToken);
        var stage = new ExtractStage(store, settings, new ExtractProgress());
        var counts = await stage.RunAsync([source], cancellationToken: cancellationToken).WaitAsync(TimeSpan.FromMinutes(5), cancellationToken);
        var manifest = store.ReadManifest();
        var records = new List<(int Generation, StagedRecord Record)>();
        var edges = new List<StagedEdge>();
        var rejects = new List<RejectRecord>();
        foreach (var part in manifest.Parts.OrderBy(p => p.Collection, StringComparer.Ordinal).ThenBy(p => p.Index))
        {
            records.AddRange((await ReadAsync(store, part.Files.Records, PartCodecs.Records, cancellationToken)).Select(r => (part.Generation, r)));
            edges.AddRange(await ReadAsync(store, part.Files.Edges, PartCodecs.Edges, cancellationToken));
            rejects.AddRange(await ReadAsync(store, part.Files.ExtractRejects, PartCodecs.Rejects, cancellationToken));
        }

        return new ConformanceSnapshot(counts, manifest, records, rejects) { Edges = edges };
    }

    private static async Task<List<T>> ReadAsync<T>(SnapshotStore store, PartFile? file, PartCodec<T> codec, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            return [];
        }

        await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(file.Path), store.MigrationId, cancellationToken);
        return await reader.ReadAllAsync(cancellationToken).ToListAsync(cancellationToken);
    }
}

/// <summary>What one extract run left in its snapshot.</summary>
/// <param name="Counts">The counts per collection the stage reported.</param>
/// <param name="Manifest">The manifest after the run.</param>
/// <param name="GenerationRecords">Every staged record in part order, with the generation of its part (0: first extract, 1: first backfill).</param>
/// <param name="Rejects">Every extract reject in part order.</param>
public sealed record ConformanceSnapshot(
    IReadOnlyList<CollectionCounts> Counts, SnapshotManifest Manifest, IReadOnlyList<(int Generation, StagedRecord Record)> GenerationRecords, IReadOnlyList<RejectRecord> Rejects)
{
    /// <summary>Every staged edge, in part order.</summary>
    public IReadOnlyList<StagedEdge> Edges { get; init; } = [];

    /// <summary>Every staged record, in part order.</summary>
    public IReadOnlyList<StagedRecord> Records => GenerationRecords.Select(r => r.Record).ToList();

    /// <summary>The records of one generation.</summary>
    public IReadOnlyList<StagedRecord> Generation(int generation) => GenerationRecords.Where(r => r.Generation == generation).Select(r => r.Record).ToList();
}
