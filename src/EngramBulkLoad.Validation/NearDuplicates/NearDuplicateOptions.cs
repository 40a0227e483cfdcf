using System.Text.Json.Serialization;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// How near-duplicates are searched. Every default is stated on its property; <see cref="Validate"/>
/// checks them. The defaults (37 bands of 20 bits) find a pair at exactly cosine 0.95 with probability about
/// 0.991 (tested against an exact all-pairs replay of Engram's rule), a pair at 0.96 with more than 0.997 and
/// one at 0.97 or above with more than 0.999 (see <see cref="EstimatedRecall"/>); identical texts are always found.
/// </summary>
public sealed class NearDuplicateOptions
{
    /// <summary>Cosine similarity at or above which Engram merges a new memory into one it holds. Default 0.95, Engram's.</summary>
    public double Threshold { get; set; } = 0.95;

    /// <summary>
    /// What Engram does with a near-duplicate: <see cref="MergeStrategy.KeepHighestConfidence"/> (default: Engram's own
    /// default, using <see cref="ConfidenceBySource"/>), <see cref="MergeStrategy.Skip"/> (always keeps the first),
    /// <see cref="MergeStrategy.Replace"/> (always keeps the last), or <see cref="MergeStrategy.None"/> for an Engram
    /// without deduplication (the expected count is then the loaded count).
    /// </summary>
    [JsonConverter(typeof(JsonStringEnumConverter<MergeStrategy>))]
    public MergeStrategy Strategy { get; set; } = MergeStrategy.KeepHighestConfidence;

    /// <summary>
    /// The confidence the loader sends with the records of each source (by source name), which Engram's
    /// KeepHighestConfidence compares. Default empty: every source equal (the first loaded is kept). Validate and
    /// the association phase fill it from the "engram" section (<c>confidence</c> per source kind), so that both
    /// predict the same memories (<see cref="WithConfidences"/>).
    /// </summary>
    public Dictionary<string, double> ConfidenceBySource { get; set; } = new(StringComparer.Ordinal);

    /// <summary>LSH bands: more find more pairs and cost more time and memory. 1 to 64; default 37 (with 20 bits: 0.991 of the pairs at 0.95).</summary>
    public int Bands { get; set; } = 37;

    /// <summary>Signature bits per band: more make fewer chance candidates and miss more pairs. 8 to 32; default 20.</summary>
    public int BitsPerBand { get; set; } = 20;

    /// <summary>
    /// Candidate pairs kept for exact verification at most (each costs 8 bytes, and a quarter more while they are
    /// collected). Past this the analysis stops collecting and says it is incomplete. Default 5,000,000.
    /// </summary>
    public int MaxCandidatePairs { get; set; } = 5_000_000;

    /// <summary>Seed of the random hyperplanes, so a re-run finds the same pairs. Default 20_260_501.</summary>
    public int Seed { get; set; } = 20_260_501;

    /// <summary>A copy of these options with the confidence each source of the snapshot is sent with under <paramref name="engram"/>.</summary>
    public NearDuplicateOptions WithConfidences(EngramOptions engram, SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(engram);
        ArgumentNullException.ThrowIfNull(manifest);
        return new NearDuplicateOptions
        {
            Threshold = Threshold,
            Strategy = Strategy,
            Bands = Bands,
            BitsPerBand = BitsPerBand,
            MaxCandidatePairs = MaxCandidatePairs,
            Seed = Seed,
            ConfidenceBySource = manifest.Sources.ToDictionary(source => source.Name, source => engram.ConfidenceFor(source.Kind), StringComparer.Ordinal),
        };
    }

    /// <summary>The confidence of a source's records as Engram holds it (single precision); 0.7, Engram's default, for a source not listed.</summary>
    public float ConfidenceOf(string source) => (float)(ConfidenceBySource.TryGetValue(source, out var value) ? value : 0.7);

    /// <summary>
    /// The probability that a pair at cosine <paramref name="cosine"/> shares at least one band:
    /// 1 - (1 - p^bits)^bands with p = 1 - angle/pi, the chance that one random hyperplane does not separate them.
    /// </summary>
    public double EstimatedRecall(double cosine)
    {
        var p = 1 - (Math.Acos(Math.Clamp(cosine, -1, 1)) / Math.PI);
        return 1 - Math.Pow(1 - Math.Pow(p, BitsPerBand), Bands);
    }

    /// <summary>Checks every value; throws <see cref="ArgumentOutOfRangeException"/> naming the first wrong one.</summary>
    public NearDuplicateOptions Validate()
    {
        if (!(Threshold > 0 && Threshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "The threshold is a cosine similarity in (0, 1]; Engram's is 0.95.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Bands, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Bands, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(BitsPerBand, 8);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BitsPerBand, 32);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCandidatePairs, 1);
        foreach (var (source, confidence) in ConfidenceBySource)
        {
            if (!(confidence >= 0 && confidence <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(ConfidenceBySource), confidence, $"The confidence of source '{source}' must be in [0, 1].");
            }
        }

        return this;
    }
}

/// <summary>What Engram does when a new memory is within the threshold of one it holds.</summary>
public enum MergeStrategy
{
    /// <summary>The new memory is not added; the one held stays (Engram's KeepOldest, and its default when confidences are equal).</summary>
    Skip,

    /// <summary>The new memory replaces the one held, whose id disappears.</summary>
    Replace,

    /// <summary>Engram does not deduplicate: every memory is held.</summary>
    None,

    /// <summary>Engram's default: the new memory replaces the one held when its confidence is strictly higher, else it is not added.</summary>
    KeepHighestConfidence,
}
