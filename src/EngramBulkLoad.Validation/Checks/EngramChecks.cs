using System.Collections.Concurrent;
using System.Globalization;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Validation.NearDuplicates;
using EngramBulkLoad.Validation.Scan;

namespace EngramBulkLoad.Validation.Checks;

/// <summary>The checks that ask Engram: its count against the expected count, recall of a sample by its own vectors, and the confidence it returns.</summary>
internal static class EngramChecks
{
    public const string Count = "Engram count";
    public const string Associations = "Engram associations";
    public const string Recall = "recall sample";
    public const string Confidence = "confidence in range";

    /// <param name="response">Engram's Introspect answer.</param>
    /// <param name="duplicates">The near-duplicate analysis of this snapshot's vectors.</param>
    /// <param name="scan">The snapshot scan.</param>
    /// <param name="options">The validation options.</param>
    /// <param name="shard">"i/N" for a shard snapshot, whose sibling shards load into the same space; null for the whole.</param>
    public static ValidationCheck CountCheck(IntrospectResponse response, NearDuplicateReport duplicates, SnapshotScan scan, ValidationOptions options, string? shard)
    {
        if (response.Statistics is not { } statistics)
        {
            return ValidationCheck.Skip(Count, "Engram's Introspect returned no statistics, so its memory count is unknown. The recall sample still checks that memories are there.");
        }

        // Records Engram refused at load were counted by the near-duplicate analysis (their vectors are fine).
        var refused = scan.LoadRejectedButLoadable.Count(id => HoldsInAnalysis(duplicates, id));
        var expected = duplicates.ExpectedHeld - refused;
        var low = duplicates.ExpectedHeldLow - refused;
        var high = duplicates.ExpectedHeldHigh - refused;
        var actual = statistics.TotalMemories;
        var figures = new Dictionary<string, double>
        {
            ["actual"] = actual,
            ["expected"] = expected,
            ["expectedLow"] = low,
            ["expectedHigh"] = high,
            ["loadableMemories"] = duplicates.LoadableMemories,
            ["mergedByEngram"] = duplicates.Folded,
            ["refusedAtLoad"] = refused,
        };
        var why = string.Create(CultureInfo.InvariantCulture, $"{duplicates.LoadableMemories} distinct memories in the vectors, {duplicates.Folded} expected to merge into a near-duplicate (cosine >= {duplicates.Options.Threshold}, {duplicates.Options.Strategy}), {refused} refused at load");
        if (actual == expected)
        {
            return new ValidationCheck(Count, CheckStatus.Passed, string.Create(CultureInfo.InvariantCulture, $"Engram holds {actual} memories in the space, as expected: {why}."), figures, []);
        }

        if (actual >= low && actual <= high)
        {
            return new ValidationCheck(Count, CheckStatus.Passed, string.Create(CultureInfo.InvariantCulture, $"Engram holds {actual} memories; the load-order estimate was {expected}, and any order of the batches in flight gives {low} to {high} ({why}). Which member of a chain of near-duplicates survives depends on that order, so this is a merge, not a loss."), figures, []);
        }

        if (actual < low)
        {
            return new ValidationCheck(
                Count,
                CheckStatus.Failed,
                string.Create(CultureInfo.InvariantCulture, $"Expected Engram to hold at least {low} memories ({why}); it holds {actual}: {low - actual} missing. Memories were lost after the load (deleted, expired, or Engram lost data), or the near-duplicate analysis missed pairs (it finds a pair at exactly the threshold with probability {duplicates.RecallAtThreshold:0.00}). The recall check names sampled missing memories; re-run load for the affected parts (reset them to Embedded, or rollback and load)."),
                figures,
                []);
        }

        if (shard is not null)
        {
            // The sibling shards' memories are in the same space; only their union could be counted exactly.
            return new ValidationCheck(Count, CheckStatus.Passed, string.Create(CultureInfo.InvariantCulture,
                $"Engram holds {actual} memories: at least the {low} this shard ({shard}) accounts for ({why}); the {actual - low} more are expected, as the sibling shards load into the same space. Per shard only this lower bound is checked; the recall sample checks this shard's memories by id."), figures, []);
        }

        return new ValidationCheck(
            Count,
            options.SharedSpace ? CheckStatus.Warning : CheckStatus.Failed,
            string.Create(CultureInfo.InvariantCulture, $"Expected Engram to hold at most {high} memories ({why}); it holds {actual}: {actual - high} more. ") + (options.SharedSpace
                ? "The space is shared with other data (--shared-space), so this is not a failure."
                : "The space holds memories this migration cannot account for: another load or tool wrote into it, or records were loaded twice under different ids. Validate against a space of its own, or pass --shared-space if that is intended."),
            figures,
            []);
    }

    /// <param name="response">Engram's Introspect answer.</param>
    /// <param name="manifest">The snapshot's manifest.</param>
    /// <param name="options">The validation options.</param>
    /// <param name="shard">"i/N" for a shard snapshot, whose sibling shards create associations in the same space; null for the whole.</param>
    public static ValidationCheck AssociationsCheck(IntrospectResponse response, SnapshotManifest manifest, ValidationOptions options, string? shard)
    {
        var expected = manifest.Parts.Sum(part => part.Counts.Associations ?? 0);
        if (response.Statistics is not { } statistics)
        {
            return ValidationCheck.Skip(Associations, "Engram's Introspect returned no statistics.");
        }

        var actual = statistics.TotalAssociations;
        var figures = new Dictionary<string, double> { ["actual"] = actual, ["expected"] = expected };
        if (shard is not null && actual > expected)
        {
            return new ValidationCheck(Associations, CheckStatus.Passed, string.Create(CultureInfo.InvariantCulture,
                $"Engram reports {actual} associations: at least the {expected} this shard ({shard}) created; the rest are the sibling shards', which load into the same space."), figures, []);
        }

        return actual == expected
            ? new ValidationCheck(Associations, CheckStatus.Passed, string.Create(CultureInfo.InvariantCulture, $"Engram reports {actual} associations, the number the load created."), figures, [])
            : new ValidationCheck(
                Associations,
                CheckStatus.Warning,
                string.Create(CultureInfo.InvariantCulture, $"The load created {expected} associations; Engram reports {actual}. Engram may merge associations between merged memories{(options.SharedSpace ? " and the space is shared" : string.Empty)}; a much lower number means associations were lost: run load again (it creates associations of parts without counts)."),
                figures,
                []);
    }

    /// <summary>Recalls every sampled record by its own vector.</summary>
    /// <returns>The check, and the records that came back under their own id with the memory Engram returned.</returns>
    public static async Task<(ValidationCheck Check, List<(SampledRecord Item, Memory Memory)> Recalled)> RecallAsync(
        EngramClient engram, IReadOnlyList<SampledRecord> sample, NearDuplicateReport duplicates, ValidationOptions options, CancellationToken cancellationToken)
    {
        var recalled = new ConcurrentBag<(SampledRecord, Memory)>();
        var merged = new ConcurrentBag<string>();
        var missing = new ConcurrentBag<string>();
        var groups = GroupsById(duplicates);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.RecallConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(sample, parallel, async (item, token) =>
        {
            var record = item.Record;
            var where = $"{record.MemoryId} ({record.Source}/{record.Collection} key {record.SourceKey})";
            if (item.Vector is not { } vector)
            {
                missing.Add($"{where}: no vector in the snapshot to recall it by");
                return;
            }

            var results = await engram.RecallAsync(vector, options.TopK, includeMetadata: true, token);
            if (results.FirstOrDefault(memory => memory.Id == record.MemoryId) is { } own)
            {
                recalled.Add((item, own));
                return;
            }

            if (groups.TryGetValue(record.MemoryId, out var group) && results.FirstOrDefault(memory => memory.Id != record.MemoryId && group.Members.Any(member => member.MemoryId == memory.Id)) is { } survivor)
            {
                merged.Add($"{record.MemoryId}: merged into near-duplicate {survivor.Id}");
                return;
            }

            var returned = results.Count == 0 ? "nothing" : string.Join(", ", results.Take(3).Select(memory => memory.Id));
            missing.Add($"{where}: not among the top {options.TopK} for its own vector{(group is null ? string.Empty : " (nor any of its near-duplicates)")}; Engram returned {returned}");
        });

        var figures = new Dictionary<string, double>
        {
            ["sampled"] = sample.Count,
            ["found"] = recalled.Count,
            ["merged"] = merged.Count,
            ["missing"] = missing.Count,
            ["topK"] = options.TopK,
        };
        ValidationCheck check;
        if (sample.Count == 0)
        {
            check = new ValidationCheck(Recall, CheckStatus.Warning, "No loaded records to sample: nothing was checked. Load the snapshot, then validate again.", figures, []);
        }
        else if (missing.IsEmpty)
        {
            check = new ValidationCheck(
                Recall,
                CheckStatus.Passed,
                $"Each of {sample.Count} randomly sampled loaded records came back among the top {options.TopK} for its own vector: {recalled.Count} under its own id, {merged.Count} merged into a near-duplicate Engram holds instead.",
                figures,
                [.. merged.Order(StringComparer.Ordinal).Take(options.MaxExamples)]);
        }
        else
        {
            check = new ValidationCheck(
                Recall,
                CheckStatus.Failed,
                $"Expected every sampled loaded record (or the near-duplicate it merged into) among the top {options.TopK} for its own vector; {missing.Count} of {sample.Count} did not come back (listed): those memories are lost. Re-load the parts that hold them (rollback and load, or reset the parts to Embedded and load).",
                figures,
                [.. missing.Order(StringComparer.Ordinal).Take(options.MaxExamples)]);
        }

        return (check, [.. recalled]);
    }

    /// <summary>Confidence as Engram returns it, against the range configured for the snapshot's source kinds.</summary>
    public static ValidationCheck ConfidenceCheck(IReadOnlyList<(SampledRecord Item, Memory Memory)> recalled, SnapshotManifest manifest, EngramOptions mapping, int maxExamples)
    {
        const double Tolerance = 1e-3;
        var configured = manifest.Sources.Select(source => mapping.ConfidenceFor(source.Kind)).DefaultIfEmpty(mapping.DefaultConfidence).ToList();
        var (low, high) = (configured.Min(), configured.Max());
        var outside = new List<string>();
        var differs = new List<string>();
        var withoutConfidence = 0;
        foreach (var (item, memory) in recalled)
        {
            if (memory.Confidence is null)
            {
                withoutConfidence++;
                continue;
            }

            var value = memory.Confidence.Value;
            var own = mapping.ConfidenceFor(item.Record.SourceKind);
            if (value < low - Tolerance || value > high + Tolerance)
            {
                outside.Add(string.Create(CultureInfo.InvariantCulture, $"{item.Record.MemoryId}: confidence {value:0.###}, configured range {low:0.###} to {high:0.###}"));
            }
            else if (Math.Abs(value - own) > Tolerance)
            {
                differs.Add(string.Create(CultureInfo.InvariantCulture, $"{item.Record.MemoryId}: confidence {value:0.###}, configured {own:0.###} for kind '{item.Record.SourceKind}'"));
            }
        }

        var figures = new Dictionary<string, double>
        {
            ["checked"] = recalled.Count - withoutConfidence,
            ["withoutConfidence"] = withoutConfidence,
            ["outsideRange"] = outside.Count,
            ["differsFromKind"] = differs.Count,
            ["rangeLow"] = low,
            ["rangeHigh"] = high,
        };
        if (recalled.Count - withoutConfidence == 0)
        {
            return ValidationCheck.Skip(Confidence, "No recalled memory carried a confidence to check.");
        }

        if (outside.Count > 0)
        {
            return new ValidationCheck(Confidence, CheckStatus.Failed, string.Create(CultureInfo.InvariantCulture, $"Expected confidences between {low:0.###} and {high:0.###} (engram.confidence for the snapshot's source kinds); {outside.Count} recalled memories are outside (listed). The load ran with other confidence settings, or another writer changed them: load again with the intended settings."), figures, [.. outside.Take(maxExamples)]);
        }

        if (differs.Count > 0)
        {
            return new ValidationCheck(Confidence, CheckStatus.Warning, $"All confidences are within the configured range, but {differs.Count} differ from their own kind's setting (listed): Engram may have recalibrated them, or the settings changed since the load.", figures, [.. differs.Take(maxExamples)]);
        }

        return new ValidationCheck(Confidence, CheckStatus.Passed, string.Create(CultureInfo.InvariantCulture, $"{recalled.Count - withoutConfidence} recalled memories carry the confidence configured for their source kind (range {low:0.###} to {high:0.###})."), figures, []);
    }

    private static bool HoldsInAnalysis(NearDuplicateReport duplicates, string id)
        => !duplicates.Groups.SelectMany(group => group.Members).Any(member => member.MemoryId == id && !member.Holds);

    private static Dictionary<string, NearDuplicateGroup> GroupsById(NearDuplicateReport duplicates)
    {
        var groups = new Dictionary<string, NearDuplicateGroup>(StringComparer.Ordinal);
        foreach (var group in duplicates.Groups)
        {
            foreach (var member in group.Members)
            {
                groups[member.MemoryId] = group;
            }
        }

        return groups;
    }
}
