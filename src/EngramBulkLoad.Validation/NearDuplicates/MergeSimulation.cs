namespace EngramBulkLoad.Validation.NearDuplicates;

/// <summary>
/// Replays what Engram's store does with one group of near-duplicates, member by member in load order:
/// a new memory is compared with the memories held, and the first one within the threshold either keeps
/// its place (<see cref="MergeStrategy.Skip"/>: the new one is not added) or is replaced by the new one
/// (<see cref="MergeStrategy.Replace"/>). So with Skip a chain A~B~C where A and C are not similar keeps A
/// and C; with Replace it keeps only C.
/// </summary>
internal static class MergeSimulation
{
    /// <param name="members">The group's members in load order.</param>
    /// <param name="similar">True when two members are within the threshold.</param>
    /// <param name="strategy">Engram's strategy.</param>
    /// <returns>For each member (same order): null when Engram holds it, else the member held in its place.</returns>
    public static int?[] Run(IReadOnlyList<int> members, Func<int, int, bool> similar, MergeStrategy strategy)
    {
        var held = new List<int>();
        var replacedBy = new Dictionary<int, int>();
        var mergedInto = new Dictionary<int, int>();
        foreach (var member in members)
        {
            var match = held.FindIndex(existing => similar(existing, member));
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
        var result = new int?[members.Count];
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
