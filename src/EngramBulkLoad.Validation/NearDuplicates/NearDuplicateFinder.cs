using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// Finds the memories of a snapshot that Engram will merge because their embeddings are within cosine
/// 0.95 of one it already holds, and says how many memories Engram is expected to hold, so that a lower
/// count after the load can be told apart from a loss. Run it after embed, before load.
/// </summary>
/// <remarks>
/// Exact all-pairs comparison is quadratic (5·10^11 pairs for a million vectors), so:
/// <list type="number">
/// <item>Identical texts (same content hash, hence the same vector) are found exactly with a hash map; only
/// the first of them goes on to the next steps.</item>
/// <item>Each distinct vector gets a random-hyperplane signature (see <see cref="HyperplaneSignatures"/>),
/// cut into <see cref="NearDuplicateOptions.Bands"/> bands of <see cref="NearDuplicateOptions.BitsPerBand"/>
/// bits. Vectors sharing a band's bits are candidates; the whole signature's Hamming distance drops
/// candidates that are clearly too far apart (four standard deviations beyond the threshold's angle).</item>
/// <item>A second pass over the vectors compares the remaining candidates exactly; the vectors of candidates
/// still waiting for a partner wait in a temporary file (<see cref="WaitingVectors"/>), not in memory.</item>
/// </list>
/// Trade-off: a pair at exactly the threshold is found with probability about 0.991 with the defaults, at
/// 0.96 about 0.998, at 0.97 and above more than 0.999 (<see cref="NearDuplicateOptions.EstimatedRecall"/>);
/// identical texts always. A band's bucket has all its pairs compared within a budget of 128 signature
/// comparisons a vector and band, so time stays linear in the vectors (at most 256 a vector and band in all);
/// a bucket too large for the budget is searched in a window and reported (<see cref="NearDuplicateReport.PairsNotCompared"/>). A missed pair makes the expected count one too high, which validation then reports
/// as a count below expectation — a warning to look at, not a silent pass. Memory: about 200 bytes per distinct
/// vector until the candidates are collected (128 bytes of signature, the id and content-hash sets), 20 in the
/// second pass, plus 8 bytes per candidate pair (<see cref="CandidatePairs"/>); about 200 MB for a million
/// (the process peaked 340 MiB above its start at a million, with the GC's headroom; benchmarks/RESULTS.md).
/// Vectors are never held beyond a row group. Time: two reads of the vectors files plus a sort per band.
/// </remarks>
public static class NearDuplicateFinder
{
    /// <summary>The analysis file, beside manifest.json.</summary>
    public const string FileName = "near-duplicates.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The saved analysis when it is still valid for the snapshot's vectors and these options; otherwise a new one (saved).</summary>
    public static async Task<NearDuplicateReport> ReadOrFindAsync(SnapshotStore snapshot, NearDuplicateOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        var saved = await ReadAsync(snapshot, cancellationToken);
        return saved is not null && saved.Fingerprint == Fingerprint(snapshot.ReadManifest(), options.Validate())
            ? saved
            : await FindAsync(snapshot, options, time, cancellationToken);
    }

    /// <summary>The analysis saved in the snapshot folder, or null when there is none.</summary>
    public static async Task<NearDuplicateReport?> ReadAsync(SnapshotStore snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var path = Path.Combine(snapshot.Folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        try
        {
            return await JsonSerializer.DeserializeAsync<NearDuplicateReport>(stream, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw ErrorFactory.Snapshot(path, $"the near-duplicate analysis is not valid JSON ({ex.Message}). Delete the file; validate computes it again.", ex);
        }
    }

    /// <summary>Analyses the snapshot's vectors and saves the result as <see cref="FileName"/> in the snapshot folder.</summary>
    /// <param name="snapshot">The snapshot (embedded; loaded or not).</param>
    /// <param name="options">Threshold, strategy and LSH parameters.</param>
    /// <param name="time">The clock, for the report's time.</param>
    /// <param name="cancellationToken">Stops the analysis; nothing is saved then.</param>
    public static async Task<NearDuplicateReport> FindAsync(SnapshotStore snapshot, NearDuplicateOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        var manifest = snapshot.ReadManifest();
        var scan = new NearDuplicateScan(options, manifest.Model?.Dimension);
        await scan.IndexAsync(SnapshotRows.VectorsAsync(snapshot, manifest, cancellationToken), cancellationToken);
        if (options.Strategy != MergeStrategy.None)
        {
            scan.CollectCandidates(cancellationToken);
        }

        if (options.Strategy != MergeStrategy.None && scan.NeedsVerification)
        {
            await scan.VerifyAsync(SnapshotRows.VectorsAsync(snapshot, manifest, cancellationToken), snapshot.Folder, cancellationToken);
        }

        var report = scan.Report(snapshot.MigrationId, Fingerprint(manifest, options), time.GetUtcNow());
        await SaveAsync(snapshot, report, cancellationToken);
        return report;
    }

    private static async Task SaveAsync(SnapshotStore snapshot, NearDuplicateReport report, CancellationToken cancellationToken)
    {
        var path = Path.Combine(snapshot.Folder, FileName);
        var temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await JsonSerializer.SerializeAsync(stream, report, Json, cancellationToken);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static string Fingerprint(SnapshotManifest manifest, NearDuplicateOptions options)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"v4|{options.Threshold:R}|{options.Strategy}|{options.Bands}|{options.BitsPerBand}|{options.MaxCandidatePairs}|{options.Seed}|{manifest.Model?.Id}");
        foreach (var (source, confidence) in options.ConfidenceBySource.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"|{source}={options.ConfidenceOf(source):R}");
        }

        foreach (var file in manifest.Parts.Select(part => part.Files.Vectors).OfType<PartFile>())
        {
            text.Append(CultureInfo.InvariantCulture, $"|{file.Path}:{file.Rows}:{file.Bytes}");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
