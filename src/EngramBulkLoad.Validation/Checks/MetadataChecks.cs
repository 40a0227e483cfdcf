using System.Text.Json;
using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Validation.Scan;

namespace EngramBulkLoad.Validation.Checks;

/// <summary>
/// Metadata spot checks on the sample. In the snapshot: the record's identity and content hash recompute,
/// its metadata is a JSON object, and its source is one of the manifest's. In Engram: the recalled memory
/// has the staged content and, where Engram returns metadata, the mapped keys (source, source_kind,
/// source_id, collection, migration_id). Engram's Remember keeps only id, content, embedding and confidence
/// of a Memory today, so the report says how many memories had metadata to compare.
/// </summary>
internal static class MetadataChecks
{
    private static readonly string[] MappedKeys = ["source", "source_kind", "source_id", "collection", "migration_id"];

    public static ValidationCheck InSnapshot(SnapshotManifest manifest, IReadOnlyList<SampledRecord> sample, int maxExamples)
    {
        if (sample.Count == 0)
        {
            return ValidationCheck.Skip("metadata in snapshot", "No loaded records to sample (none loaded yet, or --sample 0).");
        }

        var sources = manifest.Sources.ToDictionary(source => source.Name, source => source.Kind, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var record in sample.Select(item => item.Record))
        {
            var where = $"{record.MemoryId} ({record.Source}/{record.Collection} key {record.SourceKey})";
            if (!sources.TryGetValue(record.Source, out var kind) || kind != record.SourceKind)
            {
                problems.Add($"{where}: source '{record.Source}' of kind '{record.SourceKind}' is not among the manifest's sources");
            }

            if (MemoryIdentity.ForRecord(record.SourceKind, record.Source, record.Collection, record.SourceKey) != record.MemoryId)
            {
                problems.Add($"{where}: the memory id does not derive from the record's source, collection and key");
            }

            if (ContentHash.Of(record.Content) != record.ContentHash)
            {
                problems.Add($"{where}: content_hash is not the SHA-256 of the content");
            }

            if (!IsJsonObjectOrBlank(record.MetadataJson))
            {
                problems.Add($"{where}: metadata_json is not a JSON object");
            }
        }

        var figures = new Dictionary<string, double> { ["sampled"] = sample.Count, ["problems"] = problems.Count };
        return problems.Count == 0
            ? new ValidationCheck("metadata in snapshot", CheckStatus.Passed, $"{sample.Count} sampled records: ids derive from source identity, content hashes match, metadata is a JSON object, sources are the manifest's.", figures, [])
            : new ValidationCheck("metadata in snapshot", CheckStatus.Failed, $"Expected staged records to be what extract writes; found {problems.Count} problems in {sample.Count} sampled records (listed). The records files were edited or extraction is broken: re-extract the collections named.", figures, [.. problems.Take(maxExamples)]);
    }

    /// <param name="recalled">Sampled records with the memory Engram returned for them under their own id.</param>
    /// <param name="migrationId">The migration id every memory carries.</param>
    /// <param name="maxExamples">Examples listed at most.</param>
    public static ValidationCheck InEngram(IReadOnlyList<(SampledRecord Item, Memory Memory)> recalled, string migrationId, int maxExamples)
    {
        if (recalled.Count == 0)
        {
            return ValidationCheck.Skip("metadata in Engram", "No sampled record came back under its own id, so there was nothing to compare (see the recall check).");
        }

        var problems = new List<string>();
        var withMetadata = 0;
        foreach (var (item, memory) in recalled)
        {
            var record = item.Record;
            if (!string.IsNullOrEmpty(memory.Content) && memory.Content != record.Content)
            {
                problems.Add($"{record.MemoryId}: Engram's content differs from the staged content");
            }

            if (memory.Metadata.Count == 0)
            {
                continue;
            }

            withMetadata++;
            var expected = new Dictionary<string, string>
            {
                ["source"] = record.Source,
                ["source_kind"] = record.SourceKind,
                ["source_id"] = record.SourceKey,
                ["collection"] = record.Collection,
                ["migration_id"] = migrationId,
            };
            foreach (var key in MappedKeys)
            {
                if (!memory.Metadata.TryGetValue(key, out var value) || value != expected[key])
                {
                    problems.Add($"{record.MemoryId}: metadata '{key}' is '{(memory.Metadata.TryGetValue(key, out var found) ? found : "(missing)")}', expected '{expected[key]}'");
                }
            }
        }

        var figures = new Dictionary<string, double> { ["recalled"] = recalled.Count, ["withMetadata"] = withMetadata, ["contentOnly"] = recalled.Count - withMetadata, ["problems"] = problems.Count };
        var what = $"{recalled.Count} recalled memories: content compared for all; metadata compared for {withMetadata}, the other {recalled.Count - withMetadata} came back without metadata (Engram keeps only id, content, embedding and confidence of a Memory; their metadata was checked in the snapshot only).";
        return problems.Count == 0
            ? new ValidationCheck("metadata in Engram", CheckStatus.Passed, what, figures, [])
            : new ValidationCheck("metadata in Engram", CheckStatus.Failed, $"Expected Engram to hold what was staged; found {problems.Count} differences (listed). {what} Another writer changed these memories, or the mapping changed between load runs: roll back and load again.", figures, [.. problems.Take(maxExamples)]);
    }

    private static bool IsJsonObjectOrBlank(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
