using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Snapshot.Parts;

namespace EngramBulkLoad.Validation.Scan;

/// <summary>Every rejects file of a snapshot, read once: counts by source, stage and reason, rows per part, and the ids rejected after extraction.</summary>
internal sealed class RejectTally
{
    private readonly Dictionary<(string Source, PipelineStage Stage, string Code), (long Count, string Example)> _groups = [];

    /// <summary>Memory ids rejected at embed or load: they have no memory in Engram.</summary>
    public HashSet<UInt128> NotLoaded { get; } = [];

    /// <summary>Memory ids rejected at load (their vectors exist, so the near-duplicate analysis counted them).</summary>
    public HashSet<string> LoadRejected { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<RejectGroup> Groups
        => [.. _groups
            .OrderBy(group => group.Key.Source, StringComparer.Ordinal)
            .ThenBy(group => group.Key.Stage)
            .ThenByDescending(group => group.Value.Count)
            .Select(group => new RejectGroup(group.Key.Source, group.Key.Stage.ToString().ToLowerInvariant(), group.Key.Code, group.Value.Count, group.Value.Example))];

    public static async Task<RejectTally> ReadAsync(SnapshotStore snapshot, SnapshotManifest manifest, IReadOnlyDictionary<PartEntry, PartRows> rows, CancellationToken cancellationToken)
    {
        var tally = new RejectTally();
        foreach (var part in manifest.Parts)
        {
            var found = rows[part];
            foreach (var file in new[] { part.Files.ExtractRejects, part.Files.EmbedRejects, part.Files.LoadRejects }.OfType<PartFile>())
            {
                await foreach (var reject in SnapshotRows.ReadAsync(snapshot, PartCodecs.Rejects, file, cancellationToken))
                {
                    tally.Add(reject, found);
                }
            }
        }

        return tally;
    }

    private void Add(RejectRecord reject, PartRows found)
    {
        var isEdge = reject.MemoryId?.StartsWith(MemoryIdentity.EdgePrefix, StringComparison.Ordinal) == true;
        switch (reject.Stage)
        {
            case PipelineStage.Extract:
                found.ExtractRejects++;
                break;
            case PipelineStage.Embed:
                found.EmbedRejects++;
                break;
            case PipelineStage.Load when isEdge:
                found.LoadEdgeRejects++;
                break;
            default:
                found.LoadMemoryRejects++;
                break;
        }

        if (!isEdge && reject.Stage != PipelineStage.Extract && reject.MemoryId is { } id)
        {
            NotLoaded.Add(CompactKeys.OfMemoryId(id));
            if (reject.Stage == PipelineStage.Load)
            {
                LoadRejected.Add(id);
            }
        }

        var key = (reject.Source, reject.Stage, reject.Code);
        _groups[key] = _groups.TryGetValue(key, out var group)
            ? (group.Count + 1, group.Example)
            : (1, $"{reject.Collection}, {reject.Location}: {reject.Message}");
    }
}
