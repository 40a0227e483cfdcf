using System.Globalization;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Validation.Scan;

/// <summary>
/// Reads a snapshot's files once each (rejects, records, vectors), one row group at a time: rows per part,
/// memory-id uniqueness per generation, embedding sanity over every vector, and a seeded random sample of
/// loaded records with their vectors for the spot checks. Memory: one 16-byte key per record for the
/// uniqueness check, plus the sample.
/// </summary>
internal sealed class SnapshotScan
{
    private readonly List<string> _duplicateExamples = [];

    private SnapshotScan(RejectTally rejects, Dictionary<PartEntry, PartRows> rows, EmbeddingTally embeddings)
    {
        Rejects = rejects;
        Rows = rows;
        Embeddings = embeddings;
    }

    public RejectTally Rejects { get; }

    public IReadOnlyDictionary<PartEntry, PartRows> Rows { get; }

    public EmbeddingTally Embeddings { get; }

    /// <summary>Record rows whose memory id an earlier row of the same generation already had.</summary>
    public long DuplicateIds { get; private set; }

    public long Records { get; private set; }

    public List<SampledRecord> Sample { get; private set; } = [];

    /// <summary>Load-rejected ids whose vector Engram could have taken: the near-duplicate analysis counted them as memories.</summary>
    public HashSet<string> LoadRejectedButLoadable { get; } = new(StringComparer.Ordinal);

    /// <summary>Source, key and excerpt of the records the reports show by id (the near-duplicate groups listed); the latest generation's copy.</summary>
    public Dictionary<string, MemoryGlimpse> Glimpses { get; } = new(StringComparer.Ordinal);

    /// <param name="snapshot">The snapshot.</param>
    /// <param name="manifest">Its manifest.</param>
    /// <param name="options">The validation options.</param>
    /// <param name="describe">Memory ids to collect a <see cref="MemoryGlimpse"/> of while the records are read (a few hundred at most).</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    public static async Task<SnapshotScan> RunAsync(SnapshotStore snapshot, SnapshotManifest manifest, ValidationOptions options, IReadOnlySet<string> describe, CancellationToken cancellationToken)
    {
        var rows = manifest.Parts.ToDictionary(part => part, _ => new PartRows());
        var rejects = await RejectTally.ReadAsync(snapshot, manifest, rows, cancellationToken);
        var scan = new SnapshotScan(rejects, rows, new EmbeddingTally(manifest.Model?.Dimension, manifest.Model?.Id, options.NormTolerance, options.MaxExamples));
        await scan.ReadRecordsAsync(snapshot, manifest, options, describe, cancellationToken);
        await scan.ReadVectorsAsync(snapshot, manifest, cancellationToken);
        return scan;
    }

    public ValidationCheck UniquenessCheck(int maxExamples)
    {
        var figures = new Dictionary<string, double> { ["records"] = Records, ["duplicateIds"] = DuplicateIds };
        return DuplicateIds == 0
            ? new ValidationCheck("memory ids unique", CheckStatus.Passed, $"Every one of the {Records} staged records has its own memory id within its generation (an id in a later generation is an update).", figures, [])
            : new ValidationCheck(
                "memory ids unique",
                CheckStatus.Failed,
                $"Expected one record per memory id in each generation; found {DuplicateIds} extra rows with an id already staged in the same generation, so Engram holds one memory where the snapshot counts two. The records files were edited or extraction is broken: re-extract the collections named below (extract --overwrite) or remove the extra rows.",
                figures,
                [.. _duplicateExamples.Take(maxExamples)]);
    }

    private async Task ReadRecordsAsync(SnapshotStore snapshot, SnapshotManifest manifest, ValidationOptions options, IReadOnlySet<string> describe, CancellationToken cancellationToken)
    {
        var seen = new HashSet<(UInt128 Id, int Generation)>();
        var random = new Random(options.Seed);
        var sample = new List<SampledRecord>(options.SampleSize);
        long eligible = 0;
        foreach (var part in manifest.Parts.Where(part => part.Files.Records is not null))
        {
            var partRows = Rows[part];
            await foreach (var record in SnapshotRows.ReadAsync(snapshot, PartCodecs.Records, part.Files.Records!, cancellationToken))
            {
                partRows.Records++;
                Records++;
                if (describe.Contains(record.MemoryId))
                {
                    // Parts are read in manifest order, so a later generation's copy overwrites an earlier one.
                    Glimpses[record.MemoryId] = new MemoryGlimpse(record.Source, record.Collection, record.SourceKey, Report.NearDuplicateListing.Excerpt(record.Content));
                }

                var key = CompactKeys.OfMemoryId(record.MemoryId);
                if (!seen.Add((key, part.Generation)))
                {
                    DuplicateIds++;
                    if (_duplicateExamples.Count < options.MaxExamples)
                    {
                        _duplicateExamples.Add(string.Create(CultureInfo.InvariantCulture, $"{record.MemoryId} ({record.Source}/{record.Collection} key {record.SourceKey}) appears again in part {part.Index}, generation {part.Generation}"));
                    }

                    continue;
                }

                if (part.State != PartState.Loaded || Rejects.NotLoaded.Contains(key) || options.SampleSize == 0)
                {
                    continue;
                }

                // Reservoir sampling: every eligible record has the same chance, in one pass, with the sample's memory only.
                eligible++;
                if (sample.Count < options.SampleSize)
                {
                    sample.Add(new SampledRecord(record, part.Generation));
                }
                else if (random.NextInt64(eligible) is var slot && slot < options.SampleSize)
                {
                    sample[(int)slot] = new SampledRecord(record, part.Generation);
                }
            }
        }

        // A record updated in a later generation may be sampled in both: keep the latest copy, once.
        Sample = [.. sample.GroupBy(item => item.Record.MemoryId, StringComparer.Ordinal).Select(group => group.MaxBy(item => item.Generation)!)];
    }

    private async Task ReadVectorsAsync(SnapshotStore snapshot, SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var sampled = Sample.ToDictionary(item => item.Record.MemoryId, StringComparer.Ordinal);
        foreach (var part in manifest.Parts.Where(part => part.Files.Vectors is not null))
        {
            var partRows = Rows[part];
            await foreach (var vector in SnapshotRows.ReadAsync(snapshot, PartCodecs.Vectors, part.Files.Vectors!, cancellationToken))
            {
                partRows.Vectors++;
                Embeddings.Add(vector);
                if (sampled.TryGetValue(vector.MemoryId, out var item) && part.Generation >= item.VectorGeneration)
                {
                    item.Vector = vector.Vector;
                    item.VectorGeneration = part.Generation;
                }

                if (Rejects.LoadRejected.Contains(vector.MemoryId) && Embeddings.IsLoadable(vector))
                {
                    LoadRejectedButLoadable.Add(vector.MemoryId);
                }
            }
        }
    }
}
