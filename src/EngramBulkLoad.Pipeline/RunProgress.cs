using EngramBulkLoad.Embedding.Stage;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Pipeline;

/// <summary>
/// The live state of a run, read by the progress display and the metrics endpoint: each stage's
/// counters for this run, and per source the totals the manifest records (every run together).
/// </summary>
public sealed class RunProgress(SnapshotStore store)
{
    private readonly LatestLoadProgress _load = new();

    /// <summary>The extract stage's counters.</summary>
    public ExtractProgress Extract { get; } = new();

    /// <summary>The embed stage's counters.</summary>
    public EmbedProgress Embed { get; } = new();

    /// <summary>The load stage's latest counters.</summary>
    public LoadProgress Load => _load.Value;

    /// <summary>True when this run loads into Engram (false: it stops after the vectors).</summary>
    public bool Loading { get; internal set; }

    /// <summary>Receives the load stage's reports.</summary>
    public IProgress<LoadProgress> LoadReporter => _load;

    /// <summary>Per source, what the manifest says each stage has completed so far.</summary>
    public IReadOnlyList<SourceProgress> Sources()
    {
        var manifest = store.ReadManifest();
        var names = manifest.Sources.Select(source => source.Name);
        return [.. names.Select(name =>
        {
            var parts = manifest.Parts.Where(part => part.Source == name).ToList();
            var extracting = manifest.Collections.Where(c => c.Source == name).ToList();
            return new SourceProgress(
                name,
                parts.Sum(part => part.Counts.SourceRows),
                parts.Sum(part => part.Counts.ExtractRejected),
                parts.Sum(part => part.Counts.Embedded ?? 0),
                parts.Sum(part => part.Counts.EmbedRejected ?? 0),
                parts.Sum(part => part.Counts.Loaded ?? 0),
                parts.Sum(part => part.Counts.LoadRejected ?? 0),
                parts.Count,
                parts.Count(part => part.State == PartState.Loaded),
                extracting.Count > 0 && extracting.All(c => c.Completed));
        })];
    }
}

/// <summary>One source's totals from the manifest (committed parts only).</summary>
public sealed record SourceProgress(
    string Source, long Extracted, long ExtractRejected, long Embedded, long EmbedRejected, long Loaded, long LoadRejected,
    int Parts, int PartsLoaded, bool ExtractionComplete);
