using System.Globalization;
using EngramBulkLoad.Records;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Validation.Scan;

namespace EngramBulkLoad.Validation.Checks;

/// <summary>
/// The invariant every run reports, per part and per source: source rows = staged + extract rejects +
/// standalone edges; staged = embedded + embed rejects; embedded = loaded + load rejects; and edges =
/// associations + edge rejects. The manifest's counts are compared with each other and with the rows
/// actually found in the files, so a count that adds up on paper but not on disk is caught too.
/// </summary>
internal static class CountChecks
{
    /// <summary>Counts per source; <paramref name="rejects"/> (the scan's reject groups) tell the edges rejected because Engram merged an end.</summary>
    public static IReadOnlyList<SourceReconciliation> Sources(SnapshotManifest manifest, IReadOnlyList<RejectGroup> rejects)
        => [.. manifest.Parts
            .GroupBy(part => part.Source, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => new SourceReconciliation(
                group.Key,
                group.Count(),
                group.Count(part => part.State == PartState.Loaded),
                group.Sum(part => part.Counts.SourceRows),
                group.Sum(part => part.Counts.Staged),
                group.Sum(part => part.Counts.ExtractRejected),
                group.Sum(part => part.Counts.StandaloneEdges),
                group.Sum(part => part.Counts.Embedded ?? 0),
                group.Sum(part => part.Counts.EmbedRejected ?? 0),
                group.Sum(part => part.Counts.Loaded ?? 0),
                group.Sum(part => part.Counts.LoadRejected ?? 0),
                group.Sum(part => part.Counts.Edges),
                group.Sum(part => part.Counts.Associations ?? 0),
                group.Sum(part => part.Counts.AssociationsRejected ?? 0))
            {
                AssociationsRemapped = group.Sum(part => part.Counts.AssociationsRemapped ?? 0),
                EdgesRejectedMerged = rejects
                    .Where(reject => reject.Source == group.Key && reject.Code is RejectCodes.MergedEndpoint or RejectCodes.MergedSelfLoop)
                    .Sum(reject => reject.Count),
            })];

    public static ValidationCheck Reconcile(SnapshotManifest manifest, SnapshotScan scan, int maxExamples, bool expectLoaded)
    {
        var problems = new List<string>();
        foreach (var part in manifest.Parts)
        {
            var name = $"{part.Source}/{part.Collection} part {part.Index}";
            var counts = part.Counts;
            var rows = scan.Rows[part];
            Expect(problems, name, "source rows = staged + extract rejects + standalone edges", counts.SourceRows, counts.Staged + counts.ExtractRejected + counts.StandaloneEdges);
            Expect(problems, name, "staged = rows in its records file", counts.Staged, rows.Records);
            Expect(problems, name, "extract rejects = rows in its extract rejects file", counts.ExtractRejected, rows.ExtractRejects);
            var hasRecords = part.Files.Records is not null;
            if (part.State == PartState.Extracted && hasRecords)
            {
                problems.Add($"{name}: not embedded yet. Run embed, then load, then validate again.");
                continue;
            }

            if (hasRecords)
            {
                Expect(problems, name, "staged = embedded + embed rejects", counts.Staged, (counts.Embedded ?? 0) + (counts.EmbedRejected ?? 0));
                Expect(problems, name, "embedded = rows in its vectors file", counts.Embedded ?? 0, rows.Vectors);
                Expect(problems, name, "embed rejects = rows in its embed rejects file", counts.EmbedRejected ?? 0, rows.EmbedRejects);
            }

            if (part.State != PartState.Loaded)
            {
                if (expectLoaded)
                {
                    problems.Add($"{name}: not loaded yet. Run load, then validate again.");
                }

                continue;
            }

            Expect(problems, name, "embedded = loaded + load rejects", counts.Embedded ?? 0, (counts.Loaded ?? 0) + (counts.LoadRejected ?? 0));
            Expect(problems, name, "load rejects = memory rows in its load rejects file", counts.LoadRejected ?? 0, rows.LoadMemoryRejects);
        }

        var sources = Sources(manifest, scan.Rejects.Groups);
        var figures = new Dictionary<string, double>
        {
            ["parts"] = manifest.Parts.Count,
            ["partsLoaded"] = manifest.Parts.Count(part => part.State == PartState.Loaded),
            ["sourceRows"] = sources.Sum(s => s.SourceRows),
            ["staged"] = sources.Sum(s => s.Staged),
            ["extractRejected"] = sources.Sum(s => s.ExtractRejected),
            ["standaloneEdges"] = sources.Sum(s => s.StandaloneEdges),
            ["embedded"] = sources.Sum(s => s.Embedded),
            ["embedRejected"] = sources.Sum(s => s.EmbedRejected),
            ["loaded"] = sources.Sum(s => s.Loaded),
            ["loadRejected"] = sources.Sum(s => s.LoadRejected),
        };
        if (manifest.Parts.Count == 0)
        {
            return new ValidationCheck("counts reconcile", CheckStatus.Failed, "Expected parts in the snapshot; found none. Run extract first.", figures, []);
        }

        return problems.Count == 0
            ? new ValidationCheck(
                "counts reconcile",
                CheckStatus.Passed,
                string.Create(CultureInfo.InvariantCulture, $"For every part and source: source rows = staged + extract rejects + standalone edges, staged = embedded + embed rejects, embedded = loaded + load rejects, and the files hold the rows the manifest counts ({figures["sourceRows"]} source rows, {figures["loaded"]} loaded, {figures["extractRejected"] + figures["embedRejected"] + figures["loadRejected"]} rejected with reasons)."),
                figures,
                [])
            : new ValidationCheck(
                "counts reconcile",
                CheckStatus.Failed,
                $"Expected every record to end loaded or rejected with a reason; {problems.Count} part problems found (listed). Parts not embedded or loaded: run the missing stage. Counts that disagree with the files: the snapshot was changed by hand or a stage is broken; re-run that stage for the part.",
                figures,
                [.. problems.Take(maxExamples)]);
    }

    public static ValidationCheck Edges(SnapshotManifest manifest, SnapshotScan scan, int maxExamples, bool expectLoaded)
    {
        var problems = new List<string>();
        foreach (var part in manifest.Parts.Where(part => part.Counts.Edges > 0 || part.Files.Edges is not null))
        {
            var name = $"{part.Source}/{part.Collection} part {part.Index}";
            var counts = part.Counts;
            Expect(problems, name, "edges = rows in its edges file", counts.Edges, part.Files.Edges?.Rows ?? 0);
            if (counts.Associations is null)
            {
                if (!expectLoaded)
                {
                    continue;
                }

                problems.Add($"{name}: its {counts.Edges} edges have not become associations yet. Run load (associations follow once every part is loaded, and for a shard once every sibling shard's memories are).");
                continue;
            }

            Expect(problems, name, "edges = associations + remapped + edge rejects", counts.Edges, counts.Associations.Value + (counts.AssociationsRemapped ?? 0) + (counts.AssociationsRejected ?? 0));
            Expect(problems, name, "edge rejects = edge rows in its load rejects file", counts.AssociationsRejected ?? 0, scan.Rows[part].LoadEdgeRejects);
        }

        var edges = manifest.Parts.Sum(part => part.Counts.Edges);
        var pending = manifest.Parts.Where(part => part.Counts.Associations is null).Sum(part => part.Counts.Edges);
        var figures = new Dictionary<string, double>
        {
            ["edges"] = edges,
            ["associations"] = manifest.Parts.Sum(part => part.Counts.Associations ?? 0),
            ["associationsRemapped"] = manifest.Parts.Sum(part => part.Counts.AssociationsRemapped ?? 0),
            ["edgesRejected"] = manifest.Parts.Sum(part => part.Counts.AssociationsRejected ?? 0),
            ["edgesPending"] = pending,
        };

        // Without a load (a vectors-only run) edges wait for the load stage; "4000 = 0 + 0" would read as a loss.
        var (pendingTerm, pendingNote) = pending == 0 ? (string.Empty, string.Empty) : (" + edges pending", $" + {pending} not loaded yet (they become associations when load runs)");
        return problems.Count == 0
            ? new ValidationCheck("relationships preserved", CheckStatus.Passed, string.Create(CultureInfo.InvariantCulture, $"Edges in = associations out + associations remapped to the memory Engram holds in place of a merged end + edge rejects{pendingTerm}: {edges} = {figures["associations"]} + {figures["associationsRemapped"]} + {figures["edgesRejected"]}{pendingNote}."), figures, [])
            : new ValidationCheck(
                "relationships preserved",
                CheckStatus.Failed,
                $"Expected every staged edge to become an association or a reject with a reason; {problems.Count} part problems found (listed). Run load to create pending associations; a count that disagrees with the files means the snapshot was edited.",
                figures,
                [.. problems.Take(maxExamples)]);
    }

    private static void Expect(List<string> problems, string part, string rule, long left, long right)
    {
        if (left != right)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{part}: expected {rule}, found {left} against {right}"));
        }
    }
}
