using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Benchmarks.Loading;

/// <summary>A snapshot of generated embedded parts (10,000 records each) that every run loads again after resetting part states.</summary>
internal sealed class BenchSnapshot : IAsyncDisposable
{
    private const int PartSize = 10_000;

    private BenchSnapshot(DirectoryInfo folder, SnapshotStore store, int parts, long vectorBytes)
    {
        Folder = folder;
        Store = store;
        Parts = parts;
        VectorBytes = vectorBytes;
    }

    public DirectoryInfo Folder { get; }

    public SnapshotStore Store { get; }

    public int Parts { get; }

    public long VectorBytes { get; }

    public static async Task<BenchSnapshot> CreateAsync(int records, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("ebl-bench-load-");
        var store = await SnapshotStore.OpenForWriteAsync(
            folder.FullName, "bench-load", [new SourceEntry { Name = "crm", Kind = "postgres", SettingsFingerprint = "bench" }], SnapshotOpenMode.Overwrite, TimeProvider.System, cancellationToken);
        await store.UpdateAsync(m => m.Model = new ModelEntry { Id = "bench", Dimension = 768, Kind = "lexical" }, cancellationToken);
        var random = new Random(42);
        long vectorBytes = 0;
        var parts = 0;
        for (var start = 0; start < records; start += PartSize, parts++)
        {
            var count = Math.Min(PartSize, records - start);
            var index = parts;
            var recordsPath = SnapshotLayout.PartPath(PartKind.Records, "crm", "public.orders", index);
            var vectorsPath = SnapshotLayout.PartPath(PartKind.Vectors, "crm", "public.orders", index);
            PartFile recordsFile, vectorsFile;
            await using (var writer = await PartFileWriter<StagedRecord>.CreateAsync(PartCodecs.Records, store.FullPath(recordsPath), "bench-load", cancellationToken))
            {
                for (var i = start; i < start + count; i++)
                {
                    await writer.WriteAsync(Record(i), cancellationToken);
                }

                recordsFile = await writer.CompleteAsync(recordsPath, cancellationToken);
            }

            await using (var writer = await PartFileWriter<StagedVector>.CreateAsync(PartCodecs.Vectors, store.FullPath(vectorsPath), "bench-load", cancellationToken))
            {
                for (var i = start; i < start + count; i++)
                {
                    var vector = new float[768];
                    for (var d = 0; d < vector.Length; d++)
                    {
                        vector[d] = (float)(random.NextDouble() - 0.5);
                    }

                    var record = Record(i);
                    await writer.WriteAsync(new StagedVector(record.MemoryId, record.ContentHash, "bench", vector, 40, false), cancellationToken);
                }

                vectorsFile = await writer.CompleteAsync(vectorsPath, cancellationToken);
            }

            vectorBytes += vectorsFile.Bytes;
            await store.UpdateAsync(
                m => m.Parts.Add(new PartEntry
                {
                    Source = "crm",
                    Collection = "public.orders",
                    Index = index,
                    State = PartState.Embedded,
                    Files = new PartFiles { Records = recordsFile, Vectors = vectorsFile },
                    Counts = new PartCounts { SourceRows = count, Staged = count, Embedded = count, EmbedRejected = 0 },
                }),
                cancellationToken);
        }

        return new BenchSnapshot(folder, store, parts, vectorBytes);
    }

    /// <summary>Sets every part back to Embedded so the next run loads everything again.</summary>
    public Task ResetAsync(CancellationToken cancellationToken)
        => Store.UpdateAsync(
            m =>
            {
                foreach (var part in m.Parts)
                {
                    part.State = PartState.Embedded;
                    part.Counts.Loaded = null;
                    part.Counts.LoadRejected = null;
                    part.Files.LoadRejects = null;
                }
            },
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Folder.Delete(recursive: true);
    }

    private static StagedRecord Record(int i)
    {
        var key = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var content = $"Order {key}: 3 items shipped to customer {i % 977} in city {i % 53}, total {i % 1000}.{i % 100:D2} EUR";
        return new StagedRecord(
            MemoryIdentity.ForRecord("postgres", "crm", "public.orders", key), "crm", "postgres", "public.orders", key, content, ContentHash.Of(content),
            null, MemoryKind.Semantic, null, $"{{\"status\":\"shipped\",\"customer_id\":{i % 977},\"items\":3}}");
    }
}
