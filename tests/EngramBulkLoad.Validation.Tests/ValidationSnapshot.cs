using EngramBulkLoad.Embedding;
using EngramBulkLoad.Embedding.Lexical;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Validation.Tests;

/// <summary>Builds snapshot folders as extract and embed leave them: records, edges and vectors (lexical, or given) per part.</summary>
internal sealed class ValidationSnapshot : IAsyncDisposable
{
    private static readonly LexicalEmbedder Embedder = new();
    private readonly DirectoryInfo _folder;

    private ValidationSnapshot(DirectoryInfo folder, SnapshotStore store)
    {
        _folder = folder;
        Store = store;
    }

    public const string MigrationId = "mig-validate";

    public SnapshotStore Store { get; }

    public string Folder => _folder.FullName;

    public static async Task<ValidationSnapshot> CreateAsync(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("ebl-validate-test-");
        var sources = new List<SourceEntry>
        {
            new() { Name = "crm", Kind = "postgres", SettingsFingerprint = "f1" },
            new() { Name = "notes", Kind = "jsonl", SettingsFingerprint = "f2" },
        };
        var store = await SnapshotStore.OpenForWriteAsync(folder.FullName, MigrationId, sources, SnapshotOpenMode.CreateOrResume, TimeProvider.System, cancellationToken);
        await store.UpdateAsync(m => m.Model = new ModelEntry { Id = LexicalEmbedder.ModelId, Dimension = LexicalEmbedder.Dimension, Kind = "lexical" }, cancellationToken);
        return new ValidationSnapshot(folder, store);
    }

    public static StagedRecord Record(string source, string collection, string key, string content, string metadataJson = "{\"owner\":\"o\"}")
    {
        var kind = source == "crm" ? "postgres" : "jsonl";
        return new(MemoryIdentity.ForRecord(kind, source, collection, key), source, kind, collection, key, content, ContentHash.Of(content), null, MemoryKind.Semantic, null, metadataJson);
    }

    /// <summary>Texts that share few words, so their lexical vectors are far apart.</summary>
    public static List<StagedRecord> Records(string source, string collection, int first, int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(first, count).Select(i => Record(source, collection, i.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(' ', Enumerable.Range(0, 14).Select(_ => Word(random)))))];
    }

    public static StagedEdge Edge(StagedRecord from, string toMemoryId, string relation = "KNOWS")
        => new(MemoryIdentity.ForEdge(from.MemoryId, toMemoryId, relation), from.Source, from.MemoryId, toMemoryId, relation, 0.7, $"{from.Collection} key {from.SourceKey}", toMemoryId);

    /// <summary>Adds an embedded part; vectors are the lexical embeddings of the contents unless given.</summary>
    public async Task AddPartAsync(string collection, int index, IReadOnlyList<StagedRecord> records, CancellationToken cancellationToken, IReadOnlyList<float[]>? vectors = null, IReadOnlyList<StagedEdge>? edges = null, int generation = 0)
    {
        var source = records[0].Source;
        vectors ??= [.. records.Select(record => Embedder.Embed(new EmbeddingInput(record.MemoryId, record.Content)).Vector)];
        var files = new PartFiles
        {
            Records = await WriteAsync(PartCodecs.Records, PartKind.Records, source, collection, index, records, cancellationToken),
            Vectors = await WriteAsync(PartCodecs.Vectors, PartKind.Vectors, source, collection, index, records.Select((r, i) => new StagedVector(r.MemoryId, r.ContentHash, LexicalEmbedder.ModelId, vectors[i], 14, false)), cancellationToken),
            Edges = edges is { Count: > 0 } ? await WriteAsync(PartCodecs.Edges, PartKind.Edges, source, collection, index, edges, cancellationToken) : null,
        };
        var now = Store.Now;
        await Store.UpdateAsync(
            m => m.Parts.Add(new PartEntry
            {
                Source = source,
                Collection = collection,
                Index = index,
                State = PartState.Embedded,
                Files = files,
                Generation = generation,
                ExtractedAt = now.AddSeconds(-30 + index),
                EmbeddedAt = now.AddSeconds(-20 + (2 * index)),
                Counts = new PartCounts { SourceRows = records.Count, Staged = records.Count, Edges = edges?.Count ?? 0, Embedded = records.Count, EmbedRejected = 0 },
            }),
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    private static string Word(Random random)
        => new([.. Enumerable.Range(0, random.Next(4, 9)).Select(_ => (char)('a' + random.Next(26)))]);

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
