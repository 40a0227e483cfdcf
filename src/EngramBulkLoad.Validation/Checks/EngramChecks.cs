using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Parts;
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
    public const string RecallEvery = "recall all";
    public const string Confidence = "confidence in range";

    /// <param name="response">Engram's Introspect answer.</param>
    /// <param name="duplicates">The near-duplicate analysis of this snapshot's vectors.</param>
    /// <param name="scan">The snapshot scan.</param>
    /// <param name="options">The validation options.</param>
    /// <param name="shard">"i/N" for a shard snapshot, whose sibling shards load into the same space; null for the whole.</param>
    public static ValidationCheck CountCheck(IntrospectResponse response, NearDuplicateReport duplicates, SnapshotScan scan, ValidationOptions options, string? shard)
    {
        // Records Engram refused at load were counted by the near-duplicate analysis (their vectors are fine).
        var refused = scan.LoadRejectedButLoadable.Count(id => HoldsInAnalysis(duplicates, id));
        var expected = duplicates.ExpectedHeld - refused;
        var low = duplicates.ExpectedHeldLow - refused;
        var high = duplicates.ExpectedHeldHigh - refused;
        if (response.Statistics is not { } statistics || (statistics.TotalMemories == 0 && expected > 0))
        {
            // engram-cli/src/grpc.rs (introspect) fills the statistics with constant zeros: over gRPC Engram's count is unknown.
            return ValidationCheck.Skip(Count, string.Create(CultureInfo.InvariantCulture,
                $"Engram's Introspect reports no memory count (its total_memories is 0 whatever the space holds: engram-cli/src/grpc.rs fills the statistics with zeros), so the {expected} memories expected ({low} to {high} in any load order) cannot be compared with a count. The recall check is what shows each memory is held: `validate --recall all` recalls every loaded record by its own vector and names any that is lost. (Engram's HTTP endpoint /api/v1/system/health reports a count per space.)"));
        }

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
        if (actual == 0 && expected > 0)
        {
            // engram-cli/src/grpc.rs: associate checks both ids, answers created = true and stores nothing; introspect reports 0.
            return ValidationCheck.Skip(Associations, string.Create(CultureInfo.InvariantCulture,
                $"Engram does not keep or count associations (its Associate answers created = true and stores nothing; Introspect reports total_associations 0: engram-cli/src/grpc.rs). The {expected} associations are verified on what was sent and acknowledged: see relationships preserved."));
        }

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

    /// <summary>
    /// Recalls every sampled record by its own vector. Engram's Recall answers each memory with its recall score as
    /// the confidence (engram-cli/src/grpc.rs, recall: the cosine similarity with the cue, storage/hot_tier.rs), so a
    /// record comes back under its own id with a score of 1 when Engram holds the embedding that was sent; when
    /// Engram merged it into a near-duplicate, the memory held instead comes back with a score at or above the
    /// deduplication threshold.
    /// </summary>
    /// <returns>The check, and the records that came back under their own id with the memory Engram returned.</returns>
    public static async Task<(ValidationCheck Check, List<(SampledRecord Item, Memory Memory)> Recalled)> RecallAsync(
        EngramClient engram, IReadOnlyList<SampledRecord> sample, NearDuplicateReport duplicates, ValidationOptions options, CancellationToken cancellationToken)
    {
        var recalled = new ConcurrentBag<(SampledRecord, Memory)>();
        var outcomes = new RecallOutcomes();
        var groups = GroupsById(duplicates);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.RecallConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(sample, parallel, async (item, token) =>
        {
            var record = item.Record;
            var where = $"{record.MemoryId} ({record.Source}/{record.Collection} key {record.SourceKey})";
            if (item.Vector is not { } vector)
            {
                outcomes.Missing.Add($"{where}: no vector in the snapshot to recall it by");
                return;
            }

            var results = await engram.RecallAsync(vector, options.TopK, includeMetadata: true, token);
            if (outcomes.Classify(record.MemoryId, where, results, groups, duplicates.Options.Threshold, options.TopK) is { } own)
            {
                recalled.Add((item, own));
            }
        });

        return (outcomes.Check(Recall, sample.Count, "randomly sampled loaded records", options), [.. recalled]);
    }

    /// <summary>
    /// Recalls every record of the loaded parts by its own vector (<c>--recall all</c>), <see cref="ValidationOptions.RecallConcurrency"/>
    /// calls at once, streaming the vectors files; a record rejected at load is not expected, and an id repeated in a
    /// later generation is recalled once, by its latest vector.
    /// </summary>
    public static async Task<ValidationCheck> RecallAllAsync(
        EngramClient engram, SnapshotStore snapshot, SnapshotManifest manifest, SnapshotScan scan, NearDuplicateReport duplicates, ValidationOptions options, CancellationToken cancellationToken)
    {
        var loaded = manifest.Parts.Where(part => part.State == PartState.Loaded && part.Files.Vectors is not null).ToList();
        var total = loaded.Sum(part => part.Files.Vectors!.Rows);
        var outcomes = new RecallOutcomes();
        var groups = GroupsById(duplicates);
        long done = 0, recalled = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.RecallConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(LoadedVectorsAsync(snapshot, loaded, cancellationToken), parallel, async (vector, token) =>
        {
            if (!scan.Rejects.LoadRejected.Contains(vector.MemoryId) && vector.Vector is { Length: > 0 } values)
            {
                var results = await engram.RecallAsync(values, options.TopK, includeMetadata: false, token);
                outcomes.Classify(vector.MemoryId, vector.MemoryId, results, groups, duplicates.Options.Threshold, options.TopK);
                Interlocked.Increment(ref recalled);
            }

            options.RecallProgress?.Invoke(Interlocked.Increment(ref done), total);
        });
        return outcomes.Check(RecallEvery, Interlocked.Read(ref recalled), "loaded records", options);
    }

    /// <summary>The vectors of the loaded parts, in load order; an id a later row repeats is given by its last row only.</summary>
    private static async IAsyncEnumerable<StagedVector> LoadedVectorsAsync(SnapshotStore snapshot, IReadOnlyList<PartEntry> parts, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Ids repeated across generations are few (backfills): find them first, then skip all but their last row.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var repeated = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var id in await IdsAsync(snapshot, part.Files.Vectors!, cancellationToken))
            {
                if (!seen.Add(id))
                {
                    repeated[id] = repeated.GetValueOrDefault(id, 1) + 1;
                }
            }
        }

        seen.Clear();
        foreach (var part in parts)
        {
            await foreach (var vector in SnapshotRows.ReadAsync(snapshot, PartCodecs.Vectors, part.Files.Vectors!, cancellationToken))
            {
                if (repeated.TryGetValue(vector.MemoryId, out var left))
                {
                    repeated[vector.MemoryId] = --left;
                    if (left > 0)
                    {
                        continue;
                    }
                }

                yield return vector;
            }
        }
    }

    private static async Task<List<string>> IdsAsync(SnapshotStore snapshot, PartFile file, CancellationToken cancellationToken)
    {
        await using var reader = await PartFileReader<StagedVector>.OpenAsync(PartCodecs.Vectors, snapshot.FullPath(file.Path), snapshot.MigrationId, cancellationToken);
        var ids = new List<string>();
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            ids.AddRange((await reader.ReadStringColumnAsync(group, VectorColumns.MemoryId, cancellationToken)).Select(id => id!));
        }

        return ids;
    }

    /// <summary>
    /// What can be verified of confidence. Engram does not return the confidence it stored: the confidence of a
    /// recalled memory is its recall score (engram-cli/src/grpc.rs, recall), and no other call reads a memory back.
    /// So this checks what was sent: the confidence the loader sends for each source kind of the snapshot
    /// (<c>engram.confidence</c>) is a number in [0, 1], and says plainly that Engram's copy cannot be compared.
    /// </summary>
    public static ValidationCheck ConfidenceCheck(SnapshotManifest manifest, EngramOptions mapping)
    {
        var kinds = manifest.Sources.Select(source => source.Kind).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var sent = kinds.Select(kind => (Kind: kind, Value: mapping.ConfidenceFor(kind))).ToList();
        var figures = new Dictionary<string, double> { ["kinds"] = sent.Count };
        foreach (var (kind, value) in sent)
        {
            figures[$"sent.{kind}"] = value;
        }

        var wrong = sent.Where(item => !(item.Value >= 0 && item.Value <= 1)).Select(item => string.Create(CultureInfo.InvariantCulture, $"{item.Kind}: {item.Value}")).ToList();
        var values = string.Join(", ", sent.Select(item => string.Create(CultureInfo.InvariantCulture, $"{item.Kind} {item.Value:0.###}")));
        const string NotReturned = "Engram does not return a memory's stored confidence (Recall's confidence is the recall score, engram-cli/src/grpc.rs), so Engram's copy cannot be compared; the recall check verifies that each memory comes back.";
        return wrong.Count > 0
            ? new ValidationCheck(Confidence, CheckStatus.Failed, $"Expected each source kind's confidence (engram.confidence) in [0, 1]; found {wrong.Count} outside (listed). Fix engram.confidence in the job config and load again. {NotReturned}", figures, wrong)
            : new ValidationCheck(Confidence, CheckStatus.Passed, $"Confidence sent per source kind, from engram.confidence: {(values.Length == 0 ? "none" : values)}; each in [0, 1]. {NotReturned}", figures, []);
    }

    private static bool HoldsInAnalysis(NearDuplicateReport duplicates, string id)
        => !duplicates.Groups.SelectMany(group => group.Members).Any(member => member.MemoryId == id && !member.Holds);

    internal static Dictionary<string, NearDuplicateGroup> GroupsById(NearDuplicateReport duplicates)
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
