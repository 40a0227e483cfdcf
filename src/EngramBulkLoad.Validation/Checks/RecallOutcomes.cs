using System.Collections.Concurrent;
using System.Globalization;
using EngramBulkLoad.Engram.Protocol;
using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Validation.Checks;

/// <summary>
/// Sorts the answers to recalls by a record's own vector into: held under its own id, merged into the memory
/// predicted to hold it, merged into another near-duplicate (a pair the prediction missed: the memory returned
/// scores at or above the deduplication threshold, and Engram's recall score is the cosine similarity), or lost.
/// Safe for concurrent use.
/// </summary>
internal sealed class RecallOutcomes
{
    /// <summary>Score at or above which an own-id hit shows Engram holds the embedding that was sent.</summary>
    private const float SameEmbedding = 0.999f;

    private long _found;
    private double _lowestOwnScore = 1;
    private readonly Lock _lock = new();

    public ConcurrentBag<string> Merged { get; } = [];

    public ConcurrentBag<string> Unpredicted { get; } = [];

    public ConcurrentBag<string> Missing { get; } = [];

    public ConcurrentBag<string> ChangedEmbedding { get; } = [];

    public long Found => Interlocked.Read(ref _found);

    /// <returns>The memory returned under the record's own id, or null.</returns>
    public Memory? Classify(string memoryId, string where, IReadOnlyList<Memory> results, IReadOnlyDictionary<string, NearDuplicateGroup> groups, double threshold, int topK)
    {
        if (results.FirstOrDefault(memory => memory.Id == memoryId) is { } own)
        {
            Interlocked.Increment(ref _found);
            var score = own.Confidence?.Value ?? 1f;
            lock (_lock)
            {
                _lowestOwnScore = Math.Min(_lowestOwnScore, score);
            }

            if (score < SameEmbedding)
            {
                ChangedEmbedding.Add(string.Create(CultureInfo.InvariantCulture, $"{memoryId}: recalled by its own vector with score {score:0.####}, so Engram holds another embedding under this id"));
            }

            return own;
        }

        groups.TryGetValue(memoryId, out var group);
        if (group is not null && results.FirstOrDefault(memory => group.Members.Any(member => member.MemoryId == memory.Id && member.MemoryId != memoryId)) is { } survivor)
        {
            Merged.Add($"{memoryId}: merged into near-duplicate {survivor.Id}");
            return null;
        }

        if (results.FirstOrDefault(memory => memory.Confidence?.Value >= threshold - 1e-6) is { } other)
        {
            Unpredicted.Add(string.Create(CultureInfo.InvariantCulture, $"{memoryId}: merged into {other.Id} (cosine {other.Confidence.Value:0.####}, a near-duplicate pair the analysis did not predict)"));
            return null;
        }

        var returned = results.Count == 0 ? "nothing" : string.Join(", ", results.Take(3).Select(memory => string.Create(CultureInfo.InvariantCulture, $"{memory.Id} ({memory.Confidence?.Value:0.###})")));
        Missing.Add($"{where}: not among the top {topK} for its own vector{(group is null ? string.Empty : " (nor any of its near-duplicates)")} and nothing returned scored at the deduplication threshold; Engram returned {returned}");
        return null;
    }

    public ValidationCheck Check(string name, long total, string what, ValidationOptions options)
    {
        var figures = new Dictionary<string, double>
        {
            ["sampled"] = total,
            ["found"] = Found,
            ["merged"] = Merged.Count + Unpredicted.Count,
            ["mergedUnpredicted"] = Unpredicted.Count,
            ["missing"] = Missing.Count,
            ["changedEmbedding"] = ChangedEmbedding.Count,
            ["lowestOwnScore"] = _lowestOwnScore,
            ["topK"] = options.TopK,
        };
        if (total == 0)
        {
            return new ValidationCheck(name, CheckStatus.Warning, "No loaded records to recall: nothing was checked. Load the snapshot, then validate again.", figures, []);
        }

        var found = string.Create(CultureInfo.InvariantCulture, $"{Found} under their own id (lowest score {_lowestOwnScore:0.####}), {Merged.Count} merged into the near-duplicate predicted to hold them, {Unpredicted.Count} merged into a near-duplicate the analysis did not predict");
        if (!Missing.IsEmpty)
        {
            return new ValidationCheck(
                name,
                CheckStatus.Failed,
                string.Create(CultureInfo.InvariantCulture, $"Expected each of {total} {what} (or the near-duplicate it merged into) among the top {options.TopK} for its own vector; {Missing.Count} did not come back (listed): those memories are lost. {found}. Re-load the parts that hold them (rollback and load, or reset the parts to Embedded and load)."),
                figures,
                [.. Missing.Order(StringComparer.Ordinal).Take(options.MaxExamples)]);
        }

        if (!ChangedEmbedding.IsEmpty)
        {
            return new ValidationCheck(
                name,
                CheckStatus.Warning,
                string.Create(CultureInfo.InvariantCulture, $"Every one of {total} {what} came back ({found}), but {ChangedEmbedding.Count} scored below {SameEmbedding} against its own vector (listed): Engram holds another embedding under those ids (another writer, or an update Engram skipped as a near-duplicate of the old version)."),
                figures,
                [.. ChangedEmbedding.Order(StringComparer.Ordinal).Take(options.MaxExamples)]);
        }

        return new ValidationCheck(
            name,
            CheckStatus.Passed,
            string.Create(CultureInfo.InvariantCulture, $"Each of {total} {what} came back among the top {options.TopK} for its own vector: {found}."),
            figures,
            [.. Unpredicted.Order(StringComparer.Ordinal).Concat(Merged.Order(StringComparer.Ordinal)).Take(options.MaxExamples)]);
    }
}
