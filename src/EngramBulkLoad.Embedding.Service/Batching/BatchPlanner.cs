namespace EngramBulkLoad.Embedding.Service.Batching;

/// <summary>
/// Packs queued texts into batches: sorted by length so texts of similar length share a batch, each
/// batch within the token budget (texts times the longest length), the text cap, and a cap on the share
/// of padding (so a short text does not join a batch of long ones just because the budget allows it).
/// </summary>
internal static class BatchPlanner
{
    /// <summary>Groups <paramref name="lengths"/> (one per text) into batches of indexes into it.</summary>
    public static List<int[]> Plan(IReadOnlyList<int> lengths, int tokenBudget, int maxBatchTexts, double maxPaddingShare = 1.0)
    {
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        // Longest first; ties keep arrival order, so equal texts come back in the order they came in.
        Array.Sort(order, (a, b) => lengths[a] != lengths[b] ? lengths[b].CompareTo(lengths[a]) : a.CompareTo(b));
        var batches = new List<int[]>();
        var current = new List<int>();
        var longest = 0;
        long real = 0;
        foreach (var index in order)
        {
            var length = lengths[index];
            var widest = Math.Max(longest, length);
            var padded = (current.Count + 1) * (long)widest;
            var padding = 1.0 - ((double)(real + length) / padded);
            if (current.Count > 0 && (padded > tokenBudget || current.Count + 1 > maxBatchTexts || padding > maxPaddingShare))
            {
                batches.Add([.. current]);
                current.Clear();
                widest = length;
                real = 0;
            }

            current.Add(index);
            longest = widest;
            real += length;
        }

        if (current.Count > 0)
        {
            batches.Add([.. current]);
        }

        return batches;
    }
}
