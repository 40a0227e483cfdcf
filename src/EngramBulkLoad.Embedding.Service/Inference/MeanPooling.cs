namespace EngramBulkLoad.Embedding.Service.Inference;

/// <summary>
/// sentence-transformers' mean pooling: the average of the token embeddings where the attention mask
/// is 1, so padding never moves a vector; then L2 normalization.
/// </summary>
internal static class MeanPooling
{
    /// <summary>
    /// Pools <paramref name="hidden"/>, laid out [batch, sequenceLength, dimension], for sequences whose
    /// real lengths are <paramref name="lengths"/> (the rest is padding).
    /// </summary>
    public static float[][] PoolAndNormalize(ReadOnlySpan<float> hidden, IReadOnlyList<int> lengths, int sequenceLength, int dimension)
    {
        var vectors = new float[lengths.Count][];
        for (var b = 0; b < lengths.Count; b++)
        {
            var vector = new float[dimension];
            var sum = new double[dimension];
            var length = lengths[b];
            for (var t = 0; t < length; t++)
            {
                var row = hidden.Slice(((b * sequenceLength) + t) * dimension, dimension);
                for (var d = 0; d < dimension; d++)
                {
                    sum[d] += row[d];
                }
            }

            // Clamped like sentence-transformers (min 1e-9), though every sequence has at least its special tokens.
            var count = Math.Max(length, 1e-9);
            for (var d = 0; d < dimension; d++)
            {
                vector[d] = (float)(sum[d] / count);
            }

            VectorMath.NormalizeL2(vector);
            vectors[b] = vector;
        }

        return vectors;
    }
}
