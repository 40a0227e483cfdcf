namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// Replays what Engram's store does with one group of near-duplicates, member by member in load order
/// (engram-core/src/storage/deduplication.rs, check_duplicate and determine_action): a new memory is compared
/// with the memories held, and the one of highest similarity at or above the threshold (the first of equals)
/// either keeps its place (<see cref="MergeStrategy.Skip"/>: the new one is not added; Engram's
/// KeepHighestConfidence with equal confidences) or is replaced by the new one (<see cref="MergeStrategy.Replace"/>).
/// So with Skip a chain A~B~C where A and C are not similar keeps A and C; with Replace it keeps only C.
/// With <see cref="MergeStrategy.None"/> (an Engram without deduplication) every member is held.
/// </summary>
internal static class MergeSimulation
{
    /// <param name="members">The group's members in load order.</param>
    /// <param name="similarity">The cosine of two members when it is at or above the threshold, else null.</param>
    /// <param name="strategy">Engram's strategy.</param>
    /// <returns>For each member (same order): null when Engram holds it, else the member held in its place.</returns>
    public static int?[] Run(IReadOnlyList<int> members, Func<int, int, double?> similarity, MergeStrategy strategy)
    {
        var result = new int?[members.Count];
        if (strategy == MergeStrategy.None)
        {
            return result;
        }

        var held = new List<int>();
        var replacedBy = new Dictionary<int, int>();
        var mergedInto = new Dictionary<int, int>();
        foreach (var member in members)
        {
            var match = -1;
            var best = double.NegativeInfinity;
            for (var i = 0; i < held.Count; i++)
            {
                if (similarity(held[i], member) is { } cosine && cosine > best)
                {
                    (match, best) = (i, cosine);
                }
            }

            if (match < 0)
            {
                held.Add(member);
                continue;
            }

            if (strategy == MergeStrategy.Skip)
            {
                mergedInto[member] = held[match];
                continue;
            }

            replacedBy[held[match]] = member;
            held.RemoveAt(match);
            held.Add(member);
        }

        var survivors = held.ToHashSet();
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (survivors.Contains(member))
            {
                continue;
            }

            if (mergedInto.TryGetValue(member, out var keeper))
            {
                result[i] = keeper;
                continue;
            }

            // Replaced: follow the replacements to the member that holds its place now.
            var current = member;
            while (!survivors.Contains(current))
            {
                current = replacedBy[current];
            }

            result[i] = current;
        }

        return result;
    }
}
