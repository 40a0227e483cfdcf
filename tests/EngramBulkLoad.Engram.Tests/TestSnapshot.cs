using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Engram.Tests;

/// <summary>Builds snapshot folders with embedded parts, as extract and embed would leave them.</summary>
internal sealed class TestSnapshot : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;

    private TestSnapshot(DirectoryInfo folder, string migrationId, SnapshotStore store)
    {
        _folder = folder;
        MigrationId = migrationId;
        Store = store;
    }

    public string MigrationId { get; }

    public string Folder => _folder.FullName;

    public SnapshotStore Store { get; private set; }

    /// <summary>Ids of every record added, in order.</summary>
    public List<string> MemoryIds { get; } = [];

    public static async Task<TestSnapshot> CreateAsync(string migrationId = "mig-test", CancellationToken cancellationToken = default)
    {
        var folder = Directory.CreateTempSubdirectory("ebl-load-test-");
        var sources = new List<SourceEntry>
        {
            new() { Name = "crm", Kind = "postgres", SettingsFingerprint = "f1" },
            new() { Name = "cache", Kind = "redis", SettingsFingerprint = "f2" },
        };
        var store = await SnapshotStore.OpenForWriteAsync(folder.FullName, migrationId, sources, SnapshotOpenMode.CreateOrResume, TimeProvider.System, cancellationToken);
        await store.UpdateAsync(m => m.Model = new ModelEntry { Id = "test-model", Dimension = 768, Kind = "lexical" }, cancellationToken);
        return new TestSnapshot(folder, migrationId, store);
    }

    /// <summary>Closes and opens the snapshot again, as a new process would.</summary>
    public async Task ReopenAsync(CancellationToken cancellationToken)
    {
        var manifest = Store.ReadManifest();
        await Store.DisposeAsync();
        Store = await SnapshotStore.OpenForWriteAsync(Folder, MigrationId, manifest.Sources, SnapshotOpenMode.CreateOrResume, TimeProvider.System, cancellationToken);
    }

    public static StagedRecord Record(string source, string kind, string collection, string key, string content, MemoryKind memoryKind = MemoryKind.Semantic, long? ttl = null, DateTimeOffset? timestamp = null, string metadataJson = "{\"name\":\"n\"}")
        => new(MemoryIdentity.ForRecord(kind, source, collection, key), source, kind, collection, key, content, ContentHash.Of(content), timestamp, memoryKind, ttl, metadataJson);

    /// <summary>A unit vector in a random-looking direction: vectors of different seeds are far apart (cosine near 0).</summary>
    public static float[] Vector(int seed, int dimension = 768)
    {
        var random = new Random(seed);
        var vector = new float[dimension];
        double norm = 0;
        for (var i = 0; i < dimension; i++)
        {
            vector[i] = (float)(random.NextDouble() - 0.5);
            norm += vector[i] * vector[i];
        }

        for (var i = 0; i < dimension; i++)
        {
            vector[i] = (float)(vector[i] / Math.Sqrt(norm));
        }

        return vector;
    }

    /// <summary>Adds an embedded part of <paramref name="count"/> generated semantic records.</summary>
    public Task<List<StagedRecord>> AddPartAsync(string collection, int index, int count, CancellationToken cancellationToken, string source = "crm", string kind = "postgres", int seedBase = 0)
    {
        var records = Enumerable.Range(0, count)
            .Select(i => Record(source, kind, collection, $"{index}-{i}", $"{collection} row {index}-{i}: some text about item {i}"))
            .ToList();
        return AddPartAsync(collection, index, records, records.Select((_, i) => Vector(seedBase + (index * 100_000) + i + (collection.GetHashCode(StringComparison.Ordinal) & 0xFFFF))).ToList(), cancellationToken);
    }

    /// <summary>Adds an embedded part with the given records and vectors (vectors[i] belongs to records[i]).</summary>
    public async Task<List<StagedRecord>> AddPartAsync(string collection, int index, List<StagedRecord> records, List<float[]> vectors, CancellationToken cancellationToken, List<StagedEdge>? edges = null, PartState state = PartState.Embedded)
    {
        var source = records.Count > 0 ? records[0].Source : edges![0].Source;
        var files = new PartFiles();
        if (records.Count > 0)
        {
            files.Records = await WriteAsync(PartCodecs.Records, PartKind.Records, source, collection, index, records, cancellationToken);
            if (state != PartState.Extracted)
            {
                files.Vectors = await WriteAsync(
                    PartCodecs.Vectors,
                    PartKind.Vectors,
                    source,
                    collection,
                    index,
                    records.Select((r, i) => new StagedVector(r.MemoryId, r.ContentHash, "test-model", vectors[i], 8, false)).ToList(),
                    cancellationToken);
            }
        }

        if (edges is { Count: > 0 })
        {
            files.Edges = await WriteAsync(PartCodecs.Edges, PartKind.Edges, source, collection, index, edges, cancellationToken);
        }

        MemoryIds.AddRange(records.Select(r => r.MemoryId));
        await Store.UpdateAsync(
            m => m.Parts.Add(new PartEntry
            {
                Source = source,
                Collection = collection,
                Index = index,
                State = state,
                Files = files,
                Counts = new PartCounts
                {
                    SourceRows = records.Count,
                    Staged = records.Count,
                    Edges = edges?.Count ?? 0,
                    Embedded = state == PartState.Extracted ? null : records.Count,
                    EmbedRejected = state == PartState.Extracted ? null : 0,
                },
            }),
            cancellationToken);
        return records;
    }

    public SnapshotManifest Manifest() => Store.ReadManifest();

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    private async Task<PartFile> WriteAsync<T>(PartCodec<T> codec, PartKind kind, string source, string collection, int index, IEnumerable<T> rows, CancellationToken cancellationToken)
    {
        var relative = SnapshotLayout.PartPath(kind, source, collection, index);
        await using var writer = await PartFileWriter<T>.CreateAsync(codec, Store.FullPath(relative), MigrationId, cancellationToken);
        foreach (var row in rows)
        {
            await writer.WriteAsync(row, cancellationToken);
        }

        return await writer.CompleteAsync(relative, cancellationToken);
    }
}
