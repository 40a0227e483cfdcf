namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// Replays what Engram's store does with one group of near-duplicates, member by member in load order
/// (engram-core/src/storage/deduplication.rs, check_duplicate and determine_action): a new memory is compared
/// with the memories held, and the one of highest similarity at or above the threshold (the first of equals) is
/// the match. With <see cref="MergeStrategy.KeepHighestConfidence"/> (Engram's default) the new memory replaces
/// the match when its confidence is strictly higher, and is not added otherwise; so records of one source (equal
/// confidences) keep the first loaded, and a record of a more trusted source takes the place of an earlier one of a
/// less trusted source, whichever came first. <see cref="MergeStrategy.Skip"/> always keeps the match,
/// <see cref="MergeStrategy.Replace"/> always replaces it: a chain A~B~C where A and C are not similar keeps A and
/// C with Skip, only C with Replace. With <see cref="MergeStrategy.None"/> (an Engram without deduplication) every
/// member is held.
/// </summary>
internal static class MergeSimulation
{
    /// <param name="members">The group's members in load order.</param>
    /// <param name="similarity">The cosine of two members when it is at or above the threshold, else null.</param>
    /// <param name="confidence">The confidence the loader sends with a member (compared by <see cref="MergeStrategy.KeepHighestConfidence"/>).</param>
    /// <param name="strategy">Engram's strategy.</param>
    /// <returns>For each member (same order): null when Engram holds it, else the member held in its place.</returns>
    public static int?[] Run(IReadOnlyList<int> members, Func<int, int, double?> similarity, Func<int, float> confidence, MergeStrategy strategy)
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

            if (!Replaces(strategy, confidence(member), confidence(held[match])))
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
            // Skipped: merged into the match, which may itself have been replaced later; replaced: follow the
            // replacements to the member that holds its place now.
            var current = mergedInto.TryGetValue(members[i], out var keeper) ? keeper : members[i];
            while (!survivors.Contains(current))
            {
                current = replacedBy[current];
            }

            result[i] = current == members[i] ? null : current;
        }

        return result;
    }

    /// <summary>deduplication.rs, determine_action: whether the new memory takes the place of the one held.</summary>
    private static bool Replaces(MergeStrategy strategy, float incoming, float existing) => strategy switch
    {
        MergeStrategy.KeepHighestConfidence => incoming > existing,
        MergeStrategy.Replace => true,
        _ => false,
    };
}
