using System.Globalization;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Validation.Scan;

/// <summary>Sanity of every vector: the model's dimension and id, finite values, unit norm, not zero, not all the same.</summary>
internal sealed class EmbeddingTally(int? dimension, string? modelId, double tolerance, int maxExamples)
{
    private readonly List<string> _examples = [];
    private float[]? _first;
    private double _largestDeviation;

    public long Vectors { get; private set; }

    public long WrongDimension { get; private set; }

    public long WrongModel { get; private set; }

    public long NonFinite { get; private set; }

    public long Zero { get; private set; }

    public long NotUnit { get; private set; }

    /// <summary>True while every vector seen equals the first one.</summary>
    public bool AllIdentical { get; private set; } = true;

    /// <summary>Vectors Engram can take (right dimension, finite, not zero): the near-duplicate analysis counted these.</summary>
    public bool IsLoadable(StagedVector vector) => vector.Vector.Length == dimension && VectorChecks.Norm(vector.Vector) > 0;

    public void Add(StagedVector vector)
    {
        Vectors++;
        if (vector.Vector.Length != dimension)
        {
            Problem(() => WrongDimension++, vector, $"{vector.Vector.Length} values, the model has {dimension?.ToString(CultureInfo.InvariantCulture) ?? "no dimension (not embedded)"}");
        }

        if (!string.Equals(vector.ModelId, modelId, StringComparison.Ordinal))
        {
            Problem(() => WrongModel++, vector, $"model '{vector.ModelId}', the snapshot's is '{modelId}'");
        }

        var norm = VectorChecks.Norm(vector.Vector);
        if (double.IsNaN(norm))
        {
            Problem(() => NonFinite++, vector, "has NaN or infinite values");
        }
        else if (norm == 0)
        {
            Problem(() => Zero++, vector, "is all zeros");
        }
        else
        {
            var deviation = Math.Abs(norm - 1);
            _largestDeviation = Math.Max(_largestDeviation, deviation);
            if (deviation >= tolerance)
            {
                Problem(() => NotUnit++, vector, string.Create(CultureInfo.InvariantCulture, $"has norm {norm:0.######}, expected 1 ± {tolerance}"));
            }
        }

        if (_first is null)
        {
            _first = vector.Vector;
        }
        else if (AllIdentical && !_first.AsSpan().SequenceEqual(vector.Vector))
        {
            AllIdentical = false;
        }
    }

    public ValidationCheck Check()
    {
        var figures = new Dictionary<string, double>
        {
            ["vectors"] = Vectors,
            ["dimension"] = dimension ?? 0,
            ["wrongDimension"] = WrongDimension,
            ["wrongModel"] = WrongModel,
            ["nonFinite"] = NonFinite,
            ["zero"] = Zero,
            ["notUnitNorm"] = NotUnit,
            ["largestNormDeviation"] = _largestDeviation,
        };
        var collapsed = Vectors > 1 && AllIdentical;
        var bad = WrongDimension + WrongModel + NonFinite + Zero + NotUnit;
        if (Vectors == 0)
        {
            return new ValidationCheck("embeddings sane", CheckStatus.Failed, "Expected the snapshot's vectors; found none. Run embed, then validate again.", figures, []);
        }

        if (bad == 0 && !collapsed)
        {
            return new ValidationCheck("embeddings sane", CheckStatus.Passed, string.Create(CultureInfo.InvariantCulture, $"All {Vectors} vectors have {dimension} finite values, unit norm (largest deviation {_largestDeviation:0.#######}), model '{modelId}', and they differ from each other."), figures, []);
        }

        var found = new List<string>();
        if (bad > 0)
        {
            found.Add(string.Create(CultureInfo.InvariantCulture, $"{bad} broken vectors ({WrongDimension} of another dimension, {WrongModel} of another model, {NonFinite} not finite, {Zero} zero, {NotUnit} not of unit norm)"));
        }

        if (collapsed)
        {
            found.Add($"all {Vectors} vectors are identical, so the model embedded nothing of the texts");
        }

        return new ValidationCheck(
            "embeddings sane",
            CheckStatus.Failed,
            string.Create(CultureInfo.InvariantCulture, $"Expected every vector to have the model's {dimension} finite values and unit norm, and vectors to differ; found {string.Join("; ", found)}. Check the embedding model and service, then re-run embed for the parts named below (delete their vectors or run embed with the model again) and load again."),
            figures,
            _examples);
    }

    private void Problem(Action count, StagedVector vector, string problem)
    {
        count();
        if (_examples.Count < maxExamples)
        {
            _examples.Add($"{vector.MemoryId}: vector {problem}");
        }
    }
}
