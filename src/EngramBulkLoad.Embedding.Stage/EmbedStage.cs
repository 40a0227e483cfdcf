using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Embedding.Stage;

/// <summary>
/// The embed stage: every extracted part with records gets a vectors file (and a rejects file when the
/// embedder refused some texts), after which the part is Embedded. A part is marked only once its files
/// are whole on disk, so a killed run redoes at most the parts it was embedding. Vectors are keyed by
/// content hash and model id: text already embedded by the same model (in this snapshot, or in the
/// snapshots of <see cref="EmbedSettings.ReuseFrom"/>) is copied, not embedded again.
/// </summary>
public sealed class EmbedStage
{
    private readonly SnapshotStore _store;
    private readonly ITextEmbedder _embedder;
    private readonly EmbedSettings _settings;
    private PartEmbedder? _parts;

    public EmbedStage(SnapshotStore store, ITextEmbedder embedder, EmbedSettings settings, EmbedProgress progress)
    {
        _store = store;
        _embedder = embedder;
        _settings = settings;
        Progress = progress;
    }

    /// <summary>The stage's live counters.</summary>
    public EmbedProgress Progress { get; }

    /// <summary>Vectors available for reuse, once prepared.</summary>
    public int ReusableVectors { get; private set; }

    /// <summary>True for a part this stage has work to do for: extracted, with records.</summary>
    public static bool NeedsEmbedding(PartEntry part)
    {
        ArgumentNullException.ThrowIfNull(part);
        return part.State == PartState.Extracted && part.Files.Records is not null;
    }

    /// <summary>
    /// Checks the model against Engram's dimension and the snapshot's model, records the model in the
    /// manifest, and indexes the vectors that can be reused. Call once before embedding parts.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var info = _embedder.Info;
        if (info.Dimension != EngramDimensions.Required)
        {
            throw new EmbeddingException($"model '{info.ModelId}' makes {info.Dimension}-dimensional vectors; Engram stores only {EngramDimensions.Required}. Choose a {EngramDimensions.Required}-dimensional model (e.g. all-mpnet-base-v2) or the lexical embedder.");
        }

        var model = _store.ReadManifest().Model;
        var changed = model is not null && model.Id != info.ModelId;
        if (changed && !_settings.ChangeModel)
        {
            throw ErrorFactory.Snapshot(_store.Folder, $"the snapshot was embedded with model '{model!.Id}'; this run uses '{info.ModelId}'. Pass --change-model to embed every part again with the new model (and load them again: same memory ids, so Engram replaces them), or embed into a new snapshot.");
        }

        await _store.UpdateAsync(
            manifest =>
            {
                if (changed)
                {
                    ResetToExtracted(manifest);
                }

                manifest.Model = new ModelEntry { Id = info.ModelId, Dimension = info.Dimension, Kind = info.Kind };
            },
            cancellationToken);

        var others = new List<SnapshotStore>();
        try
        {
            foreach (var folder in _settings.ReuseFrom)
            {
                others.Add(await SnapshotStore.OpenForReadAsync(folder, TimeProvider.System, cancellationToken));
            }

            var index = await VectorReuseIndex.BuildAsync([_store, .. others], info.ModelId, cancellationToken);
            ReusableVectors = index.Count;
            _parts = new PartEmbedder(_store, _embedder, _settings, index, Progress);
        }
        finally
        {
            foreach (var other in others)
            {
                await other.DisposeAsync();
            }
        }
    }

    /// <summary>Embeds every part that needs it, <see cref="EmbedSettings.PartsInParallel"/> at a time.</summary>
    /// <returns>The parts embedded by this call.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var parts = _store.ReadManifest().Parts.Where(NeedsEmbedding).ToList();
        foreach (var part in parts)
        {
            Progress.Expect(part.Counts.Staged);
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = _settings.PartsInParallel, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(parts, options, async (part, token) => await EmbedPartAsync(part, token));
        return parts.Count;
    }

    /// <summary>Embeds one part and marks it Embedded; returns its updated entry.</summary>
    public async Task<PartEntry> EmbedPartAsync(PartEntry part, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(part);
        var parts = _parts ?? throw new InvalidOperationException("Call PrepareAsync before embedding parts.");
        var (vectors, rejects, embedded, rejected) = await parts.EmbedAsync(part, cancellationToken);
        PartEntry? updated = null;
        await _store.UpdateAsync(
            manifest =>
            {
                updated = manifest.Parts.Single(p => p.Source == part.Source && p.Collection == part.Collection && p.Index == part.Index);
                updated.Files.Vectors = vectors;
                updated.Files.EmbedRejects = rejects;
                updated.Counts.Embedded = embedded;
                updated.Counts.EmbedRejected = rejected;
                updated.State = PartState.Embedded;
                updated.EmbeddedAt = _store.Now;
            },
            cancellationToken);
        Progress.PartDone();
        return updated!;
    }

    /// <summary>
    /// A model change: parts with records go back to Extracted and are embedded and loaded again; their
    /// associations are made again too, since the load rejects file that held their edge rejects is replaced.
    /// </summary>
    private static void ResetToExtracted(SnapshotManifest manifest)
    {
        foreach (var part in manifest.Parts.Where(p => p.Files.Records is not null && p.State > PartState.Extracted))
        {
            part.State = PartState.Extracted;
            part.Files.Vectors = null;
            part.Files.EmbedRejects = null;
            part.Files.LoadRejects = null;
            part.Counts.Embedded = null;
            part.Counts.EmbedRejected = null;
            part.Counts.Loaded = null;
            part.Counts.LoadRejected = null;
            part.Counts.Associations = null;
            part.Counts.AssociationsRejected = null;
            part.Counts.AssociationsRemapped = null;
            part.EmbeddedAt = null;
            part.LoadedAt = null;
        }
    }
}
