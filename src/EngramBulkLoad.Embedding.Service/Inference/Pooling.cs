namespace EngramBulkLoad.Embedding.Service.Inference;

/// <summary>
/// sentence-transformers' Pooling module (sentence_transformers/models/Pooling.py) and its Normalize
/// module: the modes a model's 1_Pooling/config.json turns on, concatenated in Pooling's order (CLS,
/// max, mean, mean/sqrt(length), last token), then L2 normalization when modules.json lists Normalize.
/// </summary>
/// <param name="Cls">pooling_mode_cls_token: the first token's embedding (arctic-embed, bge).</param>
/// <param name="Max">pooling_mode_max_tokens: the largest value per dimension over real tokens.</param>
/// <param name="Mean">pooling_mode_mean_tokens: the average over real tokens (all-MiniLM, all-mpnet).</param>
/// <param name="MeanSqrtLength">pooling_mode_mean_sqrt_len_tokens: the sum over real tokens divided by sqrt(count).</param>
/// <param name="LastToken">pooling_mode_lasttoken: the last real token's embedding.</param>
/// <param name="Normalize">modules.json lists sentence_transformers.models.Normalize.</param>
/// <param name="MaskedPrefix">
/// Leading tokens left out of mean, max and last-token pooling: with include_prompt false, the prompt's
/// tokens and the start token (sentence-transformers' prompt_length), else 0.
/// </param>
internal sealed record Pooling(bool Cls, bool Max, bool Mean, bool MeanSqrtLength, bool LastToken, bool Normalize, int MaskedPrefix = 0)
{
    /// <summary>Mean pooling then normalization: what this service did for every model before it read 1_Pooling.</summary>
    public static Pooling MeanNormalized { get; } = new(false, false, true, false, false, true);

    /// <summary>Values per pooled vector for token embeddings of <paramref name="dimension"/>.</summary>
    public int OutputDimension(int dimension) => dimension * ((Cls ? 1 : 0) + (Max ? 1 : 0) + (Mean ? 1 : 0) + (MeanSqrtLength ? 1 : 0) + (LastToken ? 1 : 0));

    /// <summary>"cls", "mean", "max+mean" ...: the modes as Info reports them.</summary>
    public string Modes => string.Join('+', new[] { (Cls, "cls"), (Max, "max"), (Mean, "mean"), (MeanSqrtLength, "mean_sqrt_len"), (LastToken, "lasttoken") }.Where(m => m.Item1).Select(m => m.Item2));

    /// <summary>
    /// Pools <paramref name="hidden"/>, laid out [batch, sequenceLength, dimension], for sequences whose
    /// real lengths are <paramref name="lengths"/> (the rest is padding, which never moves a vector).
    /// </summary>
    public float[][] Apply(ReadOnlySpan<float> hidden, IReadOnlyList<int> lengths, int sequenceLength, int dimension)
    {
        var vectors = new float[lengths.Count][];
        var sum = new double[dimension];
        for (var b = 0; b < lengths.Count; b++)
        {
            var vector = new float[OutputDimension(dimension)];
            var length = lengths[b];
            var first = Math.Min(MaskedPrefix, length);
            var at = 0;
            ReadOnlySpan<float> Row(ReadOnlySpan<float> all, int t) => all.Slice(((b * sequenceLength) + t) * dimension, dimension);

            if (Cls)
            {
                Row(hidden, 0).CopyTo(vector.AsSpan(at, dimension));
                at += dimension;
            }

            if (Max)
            {
                // sentence-transformers sets masked positions to -1e9 before taking the maximum.
                var max = vector.AsSpan(at, dimension);
                max.Fill(first < length ? float.MinValue : -1e9f);
                for (var t = first; t < length; t++)
                {
                    var row = Row(hidden, t);
                    for (var d = 0; d < dimension; d++)
                    {
                        max[d] = Math.Max(max[d], row[d]);
                    }
                }

                at += dimension;
            }

            if (Mean || MeanSqrtLength)
            {
                Array.Clear(sum);
                for (var t = first; t < length; t++)
                {
                    var row = Row(hidden, t);
                    for (var d = 0; d < dimension; d++)
                    {
                        sum[d] += row[d];
                    }
                }

                // Clamped like sentence-transformers (min 1e-9), for a sequence whose every token is masked.
                var count = Math.Max(length - first, 1e-9);
                if (Mean)
                {
                    for (var d = 0; d < dimension; d++)
                    {
                        vector[at + d] = (float)(sum[d] / count);
                    }

                    at += dimension;
                }

                if (MeanSqrtLength)
                {
                    var root = Math.Sqrt(count);
                    for (var d = 0; d < dimension; d++)
                    {
                        vector[at + d] = (float)(sum[d] / root);
                    }

                    at += dimension;
                }
            }

            if (LastToken)
            {
                Row(hidden, Math.Max(length - 1, 0)).CopyTo(vector.AsSpan(at, dimension));
            }

            if (Normalize)
            {
                VectorMath.NormalizeL2(vector);
            }

            vectors[b] = vector;
        }

        return vectors;
    }
}
