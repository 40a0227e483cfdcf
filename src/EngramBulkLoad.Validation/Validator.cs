using EngramBulkLoad.Engram;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Validation.Checks;
using EngramBulkLoad.Validation.NearDuplicates;
using EngramBulkLoad.Validation.Report;
using EngramBulkLoad.Validation.Scan;

namespace EngramBulkLoad.Validation;

/// <summary>
/// The validate stage (also the end of every <c>run</c>): reads the snapshot's files once each and asks
/// Engram, then reports every check with what was expected, what was found and what to do. Without Engram
/// the checks that need it are reported as skipped, never as passed.
/// </summary>
public static class Validator
{
    private const string NoEngram = "Skipped: no Engram (validated the snapshot only). Run validate with --engram to check what Engram holds.";

    /// <summary>Validates a snapshot and, when <paramref name="engram"/> is given, what Engram holds of it.</summary>
    /// <param name="snapshot">The snapshot (opened for reading or writing; nothing in it is changed except near-duplicates.json).</param>
    /// <param name="engram">The Engram client for the migration's memory space, or null to validate the snapshot alone.</param>
    /// <param name="options">Sample size, top k, tolerances and near-duplicate settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Stops the validation.</param>
    public static async Task<ValidationReport> RunAsync(SnapshotStore snapshot, EngramClient? engram, ValidationOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        var manifest = snapshot.ReadManifest();
        // The confidences the loader sent decide which memory Engram keeps; the association phase predicted with them.
        var nearDuplicates = options.NearDuplicates;
        if (nearDuplicates.ConfidenceBySource.Count == 0 && engram is not null)
        {
            nearDuplicates = nearDuplicates.WithConfidences(engram.Options, manifest);
            nearDuplicates.Strategy = engram.Options.Deduplication == "none" ? MergeStrategy.None : nearDuplicates.Strategy;
        }

        var duplicates = await NearDuplicateFinder.ReadOrFindAsync(snapshot, nearDuplicates, time, cancellationToken);
        var scan = await SnapshotScan.RunAsync(snapshot, manifest, options, NearDuplicateListing.ShownIds(duplicates.Groups), cancellationToken);

        var checks = new List<ValidationCheck>
        {
            CountChecks.Reconcile(manifest, scan, options.MaxExamples, options.ExpectLoaded),
            scan.UniquenessCheck(options.MaxExamples),
            CountChecks.Edges(manifest, scan, options.MaxExamples, options.ExpectLoaded),
            scan.Embeddings.Check(),
            NearDuplicateCheck(duplicates),
            MetadataChecks.InSnapshot(manifest, scan.Sample, options.MaxExamples),
        };
        if (engram is null)
        {
            checks.Add(ValidationCheck.Skip(EngramChecks.Count, NoEngram));
            checks.Add(ValidationCheck.Skip(EngramChecks.Associations, NoEngram));
            checks.Add(ValidationCheck.Skip(EngramChecks.Recall, NoEngram));
            checks.Add(ValidationCheck.Skip("metadata in Engram", NoEngram));
            checks.Add(ValidationCheck.Skip(EngramChecks.Confidence, NoEngram));
        }
        else
        {
            var introspect = await engram.IntrospectAsync(cancellationToken);
            checks.Add(EngramChecks.CountCheck(introspect, duplicates, scan, options, manifest.Shard));
            checks.Add(EngramChecks.AssociationsCheck(introspect, manifest, options, manifest.Shard));
            if (options.SampleSize == 0)
            {
                checks.Add(ValidationCheck.Skip(EngramChecks.Recall, "Skipped: --sample 0."));
                checks.Add(ValidationCheck.Skip("metadata in Engram", "Skipped: --sample 0."));
            }
            else
            {
                var (recall, recalled) = await EngramChecks.RecallAsync(engram, scan.Sample, duplicates, options, cancellationToken);
                checks.Add(recall);
                checks.Add(MetadataChecks.InEngram(recalled, snapshot.MigrationId, options.MaxExamples));
            }

            if (options.RecallAll)
            {
                checks.Add(await EngramChecks.RecallAllAsync(engram, snapshot, manifest, scan, duplicates, options, cancellationToken));
            }

            checks.Add(EngramChecks.ConfidenceCheck(manifest, engram.Options));
        }

        return new ValidationReport
        {
            MigrationId = snapshot.MigrationId,
            SnapshotFolder = snapshot.Folder,
            CreatedAt = time.GetUtcNow(),
            Engram = engram is null ? null : $"{engram.Options.Describe()}, space '{engram.Options.MemorySpaceId}'",
            Model = manifest.Model is { } model ? $"{model.Id} ({model.Kind}, {model.Dimension} dimensions)" : null,
            Shard = manifest.Shard,
            Checks = checks,
            Sources = CountChecks.Sources(manifest, scan.Rejects.Groups),
            Rejects = scan.Rejects.Groups,
            NearDuplicates = Summary(duplicates) with { Members = scan.Glimpses },
            Throughput = Throughput.Of(manifest),
        };
    }

    private static ValidationCheck NearDuplicateCheck(NearDuplicateReport duplicates)
    {
        if (duplicates.VectorRows == 0)
        {
            return ValidationCheck.Skip("near-duplicates", "No vectors to analyse yet: run embed.");
        }

        var figures = new Dictionary<string, double>
        {
            ["loadableMemories"] = duplicates.LoadableMemories,
            ["exactDuplicates"] = duplicates.ExactDuplicates,
            ["groups"] = duplicates.Groups.Count,
            ["merged"] = duplicates.Folded,
            ["expectedHeld"] = duplicates.ExpectedHeld,
            ["candidatePairs"] = duplicates.CandidatePairs,
            ["verifiedPairs"] = duplicates.VerifiedPairs,
            ["recallAtThreshold"] = duplicates.RecallAtThreshold,
            ["pairsNotCompared"] = duplicates.PairsNotCompared,
        };
        var examples = duplicates.Groups.Take(10).Select(group => string.Join(", ", group.Members.Select(member => member.Holds ? $"{member.MemoryId} (held)" : $"{member.MemoryId} -> {member.MergedInto}"))).ToList();
        var found = $"{duplicates.Groups.Count} groups of near-duplicates (cosine >= {duplicates.Options.Threshold}): {duplicates.Folded} of {duplicates.LoadableMemories} memories are expected to merge into another ({duplicates.ExactDuplicates} have the same text as an earlier one), so Engram should hold {duplicates.ExpectedHeld}. Pairs at exactly the threshold are found with probability {duplicates.RecallAtThreshold:0.00}; identical texts always.";
        if (!duplicates.Complete)
        {
            var why = duplicates.PairsNotCompared > 0 && duplicates.CandidatePairs < duplicates.Options.MaxCandidatePairs
                ? $"{duplicates.LargeBuckets} band buckets held too many similar vectors to compare all their pairs and {duplicates.PairsNotCompared} of their pairs were not compared in that band (another band may have compared them), so more merges may happen: raise bitsPerBand to make buckets smaller."
                : $"The analysis stopped at {duplicates.Options.MaxCandidatePairs} candidate pairs, so more merges may happen: raise maxCandidatePairs or bitsPerBand.";
            return new ValidationCheck("near-duplicates", CheckStatus.Warning, $"{found} {why}", figures, examples);
        }

        return new ValidationCheck("near-duplicates", duplicates.Folded == 0 ? CheckStatus.Passed : CheckStatus.Warning, duplicates.Folded == 0 ? found : $"{found} Not a failure: Engram merges these by design; listed so a lower count is read as a merge, not a loss.", figures, examples);
    }

    private static NearDuplicateSummary Summary(NearDuplicateReport duplicates)
        => new(
            duplicates.Options.Threshold,
            duplicates.Options.Strategy.ToString(),
            duplicates.LoadableMemories,
            duplicates.ExactDuplicates,
            duplicates.Groups.Count,
            duplicates.Folded,
            duplicates.ExpectedHeld,
            duplicates.ExpectedHeldLow,
            duplicates.ExpectedHeldHigh,
            duplicates.RecallAtThreshold,
            duplicates.Complete,
            NearDuplicateListing.Largest(duplicates.Groups));
}
