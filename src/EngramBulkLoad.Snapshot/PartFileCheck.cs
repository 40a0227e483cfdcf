using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Snapshot;

/// <summary>One part file that is missing, unreadable or not the file the manifest describes.</summary>
/// <param name="Part">The part it belongs to.</param>
/// <param name="File">The file as the manifest lists it.</param>
/// <param name="Problem">What is wrong with it.</param>
/// <param name="Stage">The stage that writes it, and redoes it: extract, embed or load.</param>
public sealed record DamagedPartFile(PartEntry Part, PartFile File, string Problem, string Stage)
{
    /// <summary>"source/collection part N (generation G)", for messages.</summary>
    public string PartName => $"{Part.Source}/{Part.Collection} part {Part.Index}{(Part.Generation > 0 ? $" (generation {Part.Generation})" : string.Empty)}";
}

/// <summary>
/// Checks every part file a manifest lists, cheaply: it exists, its Parquet footer reads and says it is the
/// expected kind of part of this migration, and its row count is the manifest's. Nothing is decoded.
/// </summary>
public static class PartFileCheck
{
    /// <summary>The command that makes <paramref name="stage"/> redo its damaged parts; the CLI puts the real command name and config path in.</summary>
    public static string RedoCommand(string stage) => $"'engram-bulkload {stage} --config JOB --redo-damaged'";

    /// <summary>Advice for a damaged file written by <paramref name="stage"/>.</summary>
    public static string RedoAdvice(string stage)
        => $"The {stage} stage redoes the part: run {RedoCommand(stage)} with this snapshot's job config ('inspect SNAPSHOT' lists every damaged part).";

    /// <summary>The stage that writes the part file at <paramref name="path"/> (relative or full; see <see cref="SnapshotLayout.PartPath"/>).</summary>
    public static string OwnerOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Replace('\\', '/').Split('/');
        if (segments.Length >= 5 && segments[^5] == "rejects")
        {
            return segments[^4];
        }

        return segments.Length >= 4 && segments[^4] == "vectors" ? "embed" : "extract";
    }

    /// <summary>Every damaged file of the manifest's parts, in part order.</summary>
    public static async Task<IReadOnlyList<DamagedPartFile>> FindAsync(SnapshotStore store, SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        var damaged = new List<DamagedPartFile>();
        foreach (var part in manifest.Parts)
        {
            await CheckAsync(damaged, store, manifest, part, part.Files.Records, PartCodecs.Records, cancellationToken);
            await CheckAsync(damaged, store, manifest, part, part.Files.Edges, PartCodecs.Edges, cancellationToken);
            await CheckAsync(damaged, store, manifest, part, part.Files.ExtractRejects, PartCodecs.Rejects, cancellationToken);
            await CheckAsync(damaged, store, manifest, part, part.Files.Vectors, PartCodecs.Vectors, cancellationToken);
            await CheckAsync(damaged, store, manifest, part, part.Files.EmbedRejects, PartCodecs.Rejects, cancellationToken);
            await CheckAsync(damaged, store, manifest, part, part.Files.LoadRejects, PartCodecs.Rejects, cancellationToken);
        }

        return damaged;
    }

    private static async Task CheckAsync<T>(
        List<DamagedPartFile> damaged, SnapshotStore store, SnapshotManifest manifest, PartEntry part, PartFile? file, PartCodec<T> codec, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            return;
        }

        string? problem = null;
        try
        {
            await using var reader = await PartFileReader<T>.OpenAsync(codec, store.FullPath(file.Path), manifest.MigrationId, cancellationToken);
            if (reader.RowCount != file.Rows)
            {
                problem = $"its footer counts {reader.RowCount} rows, the manifest {file.Rows}: it is not the file this part wrote.";
            }
        }
        catch (SnapshotException ex)
        {
            // The reader's message names the path and what it found; keep what it found.
            var at = ex.Message.IndexOf("': ", StringComparison.Ordinal);
            problem = at < 0 ? ex.Message : ex.Message[(at + 3)..];
            var advice = problem.IndexOf(" The ", StringComparison.Ordinal);
            problem = advice < 0 ? problem : problem[..(advice + 1)];
        }

        if (problem is not null)
        {
            damaged.Add(new DamagedPartFile(part, file, problem, OwnerOf(file.Path)));
        }
    }
}
