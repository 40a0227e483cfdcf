namespace EngramBulkLoad.Validation;

/// <summary>Arithmetic on embeddings shared by the sanity check and the near-duplicate finder.</summary>
internal static class VectorChecks
{
    /// <summary>The L2 norm, or NaN when a value is not finite.</summary>
    public static double Norm(ReadOnlySpan<float> vector)
    {
        double sum = 0;
        foreach (var value in vector)
        {
            if (!float.IsFinite(value))
            {
                return double.NaN;
            }

            sum += (double)value * value;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Cosine similarity; 0 when either vector is zero (as Engram's deduplication treats it).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            return 0;
        }

        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        return normA == 0 || normB == 0 ? 0 : dot / Math.Sqrt(normA * normB);
    }
}
