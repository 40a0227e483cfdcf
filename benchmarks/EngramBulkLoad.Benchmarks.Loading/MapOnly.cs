using System.Diagnostics;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Benchmarks.Loading;

/// <summary>The producer side alone: read records and vectors, map and serialize, no network. Shows what the loader costs before gRPC.</summary>
internal static class MapOnly
{
    public static async Task<(long Records, double ReadSeconds, double MapSeconds, double SerializeSeconds, long Bytes)> RunAsync(BenchSnapshot snapshot, CancellationToken cancellationToken)
    {
        var options = new EngramOptions { MemorySpaceId = "bench" }.Validate();
        var mapper = new MemoryMapper(options, "bench-load", DateTimeOffset.UtcNow);
        long count = 0, totalBytes = 0;
        double read = 0, map = 0, serialize = 0;
        foreach (var part in snapshot.Store.ReadManifest().Parts)
        {
            var started = Stopwatch.GetTimestamp();
            var records = new Dictionary<string, StagedRecord>(StringComparer.Ordinal);
            await using (var reader = await PartFileReader<StagedRecord>.OpenAsync(PartCodecs.Records, snapshot.Store.FullPath(part.Files.Records!.Path), null, cancellationToken))
            {
                await foreach (var record in reader.ReadAllAsync(cancellationToken))
                {
                    records[record.MemoryId] = record;
                }
            }

            var vectors = new List<StagedVector>();
            await using (var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, snapshot.Store.FullPath(part.Files.Vectors!.Path), null, cancellationToken))
            {
                await foreach (var vector in reader.ReadAllAsync(cancellationToken))
                {
                    vectors.Add(vector);
                }
            }

            read += Stopwatch.GetElapsedTime(started).TotalSeconds;
            started = Stopwatch.GetTimestamp();
            var writes = vectors.Select(v => mapper.Map(records[v.MemoryId], v, out _)!).ToList();
            map += Stopwatch.GetElapsedTime(started).TotalSeconds;
            started = Stopwatch.GetTimestamp();
            long bytes = 0;
            foreach (var write in writes)
            {
                bytes += Google.Protobuf.MessageExtensions.ToByteArray(write.Request).Length;
            }

            serialize += Stopwatch.GetElapsedTime(started).TotalSeconds;
            count += writes.Count;
            totalBytes += bytes;
        }

        return (count, read, map, serialize, totalBytes);
    }
}
