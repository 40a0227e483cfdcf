namespace EngramBulkLoad.Embedding.Service.Batching;

/// <summary>
/// Packs queued texts into batches: sorted by length so texts of similar length share a batch (less
/// padding), each batch within the token budget (texts times the longest length) and the text cap.
/// </summary>
internal static class BatchPlanner
{
    /// <summary>Groups <paramref name="lengths"/> (one per text) into batches of indexes into it.</summary>
    public static List<int[]> Plan(IReadOnlyList<int> lengths, int tokenBudget, int maxBatchTexts)
    {
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        // Longest first; ties keep arrival order, so equal texts come back in the order they came in.
        Array.Sort(order, (a, b) => lengths[a] != lengths[b] ? lengths[b].CompareTo(lengths[a]) : a.CompareTo(b));
        var batches = new List<int[]>();
        var current = new List<int>();
        var longest = 0;
        foreach (var index in order)
        {
            var length = lengths[index];
            var widest = Math.Max(longest, length);
            if (current.Count > 0 && ((current.Count + 1) * (long)widest > tokenBudget || current.Count + 1 > maxBatchTexts))
            {
                batches.Add([.. current]);
                current.Clear();
                widest = length;
            }

            current.Add(index);
            longest = widest;
        }

        if (current.Count > 0)
        {
            batches.Add([.. current]);
        }

        return batches;
    }
}
