namespace EngramBulkLoad.Embedding.Stage;

/// <summary>
/// What a vector must be before it is staged: Engram refuses another dimension or a non-finite value
/// for the whole stream, and a vector far from unit length means the model or its pooling is broken.
/// </summary>
internal static class VectorCheck
{
    private const double NormTolerance = 1e-3;

    /// <summary>The problem with the vector, or null when it can be staged.</summary>
    public static string? Problem(ReadOnlySpan<float> vector, int dimension)
    {
        if (vector.Length != dimension)
        {
            return $"the vector has {vector.Length} values; the model's dimension is {dimension}.";
        }

        double sum = 0;
        foreach (var value in vector)
        {
            if (!float.IsFinite(value))
            {
                return "the vector holds NaN or infinity.";
            }

            sum += (double)value * value;
        }

        var norm = Math.Sqrt(sum);
        return Math.Abs(norm - 1) > NormTolerance
            ? $"the vector's length is {norm:G4}, not 1: the model's output is not normalised (or is all zeros)."
            : null;
    }
}
