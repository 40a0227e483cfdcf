using System.Globalization;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Cli.Terminal;

/// <summary>The human-readable reports of a snapshot: counts that reconcile, schemas, samples, rejects grouped by reason.</summary>
internal static class SnapshotReport
{
    /// <param name="output">Where the table goes.</param>
    /// <param name="counts">The counts per collection.</param>
    /// <param name="filesWhole">False when part files are damaged: then the counts are the manifest's word only, and nothing "reconciles".</param>
    public static void WriteCounts(TextWriter output, IReadOnlyList<CollectionCounts> counts, bool filesWhole = true)
    {
        output.WriteLine();
        output.WriteLine(Row("source/collection", "parts", "source rows", "staged", "rejected", "edges", "reconciles"));
        foreach (var c in counts)
        {
            output.WriteLine(Row($"{c.Source}/{c.Collection}", N(c.Parts), N(c.SourceRows), N(c.Staged), N(c.Rejected), N(c.Edges + 0), c.Reconciles ? "yes" : "NO"));
        }

        output.WriteLine(Row("total", N(counts.Sum(c => c.Parts)), N(counts.Sum(c => c.SourceRows)), N(counts.Sum(c => c.Staged)), N(counts.Sum(c => c.Rejected)), N(counts.Sum(c => c.Edges)), filesWhole && counts.All(c => c.Reconciles) ? "yes" : filesWhole ? "NO" : "NO (damaged files)"));
    }

    /// <returns>True when every part file is whole.</returns>
    public static async Task<bool> WriteInspectionAsync(TextWriter output, SnapshotStore store, int samples, CancellationToken cancellationToken)
    {
        var manifest = store.ReadManifest();
        // Every part's footer and row count against the manifest first (cheap: no row is decoded); the sections
        // below read only whole files.
        var damaged = await PartFileCheck.FindAsync(store, manifest, cancellationToken);
        output.WriteLine($"snapshot   {store.Folder}");
        output.WriteLine($"migration  {manifest.MigrationId}   format {manifest.FormatVersion}   created {manifest.CreatedAt:u}   updated {manifest.UpdatedAt:u}");
        output.WriteLine($"model      {(manifest.Model is { } m ? $"{m.Id} ({m.Kind}, {m.Dimension} dimensions)" : "none yet (run embed)")}");
        foreach (var source in manifest.Sources)
        {
            output.WriteLine($"source     {source.Name} ({source.Kind})");
        }

        WriteCounts(output, ExtractStage.CountsOf(manifest), damaged.Count == 0);
        DamageReport.WriteInspection(output, store.Folder, manifest.Parts.Sum(part => part.Files.All().Count()), damaged);
        if (damaged.Count > 0)
        {
            return false;
        }

        var states = manifest.Parts.GroupBy(p => p.State).Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count()}");
        output.WriteLine($"parts by state: {string.Join(", ", states.DefaultIfEmpty("none"))}");
        var incomplete = manifest.Collections.Where(c => !c.Completed).Select(c => $"{c.Source}/{c.Collection}").ToList();
        if (incomplete.Count > 0)
        {
            output.WriteLine($"not finished (run extract again to resume): {string.Join(", ", incomplete)}");
        }

        await WriteSchemaAsync(output, store, manifest, PartCodecs.Records, p => p.Files.Records, cancellationToken);
        await WriteSchemaAsync(output, store, manifest, PartCodecs.Edges, p => p.Files.Edges, cancellationToken);
        await WriteSchemaAsync(output, store, manifest, PartCodecs.Rejects, p => p.Files.ExtractRejects, cancellationToken);

        output.WriteLine();
        output.WriteLine("sample records:");
        var records = await ReadSampleAsync(store, manifest, PartCodecs.Records, p => p.Files.Records, samples, cancellationToken);
        foreach (var record in records)
        {
            output.WriteLine($"  {record.MemoryId}  {record.Source}/{record.Collection} key {record.SourceKey}  {record.Kind.Name()}  {Clip(record.Content, 100)}");
            output.WriteLine($"      metadata {Clip(record.MetadataJson, 120)}");
        }

        var rejects = await ReadAllRejectsAsync(store, manifest, cancellationToken);
        output.WriteLine();
        output.WriteLine($"rejects: {rejects.Count:N0}");
        foreach (var group in rejects.GroupBy(r => (r.Stage, r.Code)).OrderByDescending(g => g.Count()))
        {
            output.WriteLine($"  {group.Key.Stage.ToString().ToLowerInvariant()}/{group.Key.Code}: {group.Count():N0}");
            foreach (var reject in group.Take(samples))
            {
                output.WriteLine($"    {reject.Source}/{reject.Collection} {reject.Location}: {Clip(reject.Message, 160)}");
            }
        }

        return true;
    }

    private static async Task WriteSchemaAsync<T>(TextWriter output, SnapshotStore store, SnapshotManifest manifest, PartCodec<T> codec, Func<PartEntry, PartFile?> file, CancellationToken cancellationToken)
    {
        var first = manifest.Parts.Select(file).FirstOrDefault(f => f is not null);
        if (first is null)
        {
            return;
        }

        await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(first.Path), manifest.MigrationId, cancellationToken);
        output.WriteLine();
        output.WriteLine($"{codec.Kind.Name()} schema ({first.Path}):");
        foreach (var (name, type, nullable) in reader.Columns)
        {
            output.WriteLine($"  {name,-18} {type}{(nullable ? " (nullable)" : string.Empty)}");
        }
    }

    private static async Task<List<T>> ReadSampleAsync<T>(SnapshotStore store, SnapshotManifest manifest, PartCodec<T> codec, Func<PartEntry, PartFile?> file, int count, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        foreach (var part in manifest.Parts.Select(file).Where(f => f is not null))
        {
            await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(part!.Path), manifest.MigrationId, cancellationToken);
            await foreach (var row in reader.ReadAllAsync(cancellationToken))
            {
                if (rows.Count >= count)
                {
                    return rows;
                }

                rows.Add(row);
            }
        }

        return rows;
    }

    private static async Task<List<RejectRecord>> ReadAllRejectsAsync(SnapshotStore store, SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var rejects = new List<RejectRecord>();
        foreach (var file in manifest.Parts.SelectMany(p => new[] { p.Files.ExtractRejects, p.Files.EmbedRejects, p.Files.LoadRejects }).Where(f => f is not null))
        {
            await using var reader = await PartFileReader<RejectRecord>.OpenAsync(PartCodecs.Rejects, store.FullPath(file!.Path), manifest.MigrationId, cancellationToken);
            await foreach (var reject in reader.ReadAllAsync(cancellationToken))
            {
                rejects.Add(reject);
            }
        }

        return rejects;
    }

    private static string Row(string name, string parts, string rows, string staged, string rejected, string edges, string reconciles)
        => $"{name,-36} {parts,6} {rows,12} {staged,12} {rejected,10} {edges,10} {reconciles,11}";

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Clip(string text, int length)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length > length ? flat[..length] + "..." : flat;
    }
}
