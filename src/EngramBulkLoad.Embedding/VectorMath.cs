namespace EngramBulkLoad.Embedding;

/// <summary>Vector helpers shared by the embedders and the service.</summary>
public static class VectorMath
{
    /// <summary>
    /// Scales <paramref name="vector"/> to unit L2 norm in place, as sentence-transformers' Normalize layer
    /// does. The norm is clamped at 1e-12 like torch's F.normalize, so a zero vector stays zero instead of NaN.
    /// </summary>
    public static void NormalizeL2(Span<float> vector)
    {
        double sum = 0;
        foreach (var v in vector)
        {
            sum += (double)v * v;
        }

        var scale = (float)(1.0 / Math.Max(Math.Sqrt(sum), 1e-12));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }
}
