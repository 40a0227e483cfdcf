using EngramBulkLoad.Embedding.Service.Inference;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>
/// sentence-transformers' pooling modes on hand-made token embeddings, the expected values worked out
/// by hand from sentence_transformers/models/Pooling.py's formulas.
/// </summary>
public sealed class PoolingTests
{
    // Two sequences, length 3 (padded), hidden 2. Sequence 0 has 2 real tokens, sequence 1 has 3.
    // The padded row of sequence 0 holds large values that no mode may see.
    private static readonly float[] Hidden =
    [
        1, 2, 3, -4, 100, 100,
        -1, 0, 5, 1, 2, 7,
    ];

    [Fact]
    public void Apply_Mean_AveragesRealTokensOnly()
    {
        var pooled = new Pooling(false, false, true, false, false, Normalize: false).Apply(Hidden, [2, 3], 3, 2);

        Assert.Equal([2f, -1f], pooled[0]);
        Assert.Equal([2f, 8f / 3f], pooled[1]);
    }

    [Fact]
    public void Apply_Cls_TakesTheFirstToken()
    {
        var pooled = new Pooling(true, false, false, false, false, Normalize: false).Apply(Hidden, [2, 3], 3, 2);

        Assert.Equal([1f, 2f], pooled[0]);
        Assert.Equal([-1f, 0f], pooled[1]);
    }

    [Fact]
    public void Apply_Max_TakesLargestRealValuePerDimension()
    {
        var pooled = new Pooling(false, true, false, false, false, Normalize: false).Apply(Hidden, [2, 3], 3, 2);

        Assert.Equal([3f, 2f], pooled[0]);
        Assert.Equal([5f, 7f], pooled[1]);
    }

    [Fact]
    public void Apply_MeanSqrtLenAndLastToken_FollowSentenceTransformersFormulas()
    {
        var pooled = new Pooling(false, false, false, true, true, Normalize: false).Apply(Hidden, [2, 3], 3, 2);

        Assert.Equal(4 / Math.Sqrt(2), pooled[0][0], 5);
        Assert.Equal(-2 / Math.Sqrt(2), pooled[0][1], 5);
        Assert.Equal([3f, -4f], pooled[0][2..]);
        Assert.Equal([2f, 7f], pooled[1][2..]);
    }

    [Fact]
    public void Apply_SeveralModes_ConcatenatesInSentenceTransformersOrder()
    {
        var pooling = new Pooling(true, true, true, false, false, Normalize: false);

        var pooled = pooling.Apply(Hidden, [2, 3], 3, 2);

        Assert.Equal(6, pooling.OutputDimension(2));
        Assert.Equal("cls+max+mean", pooling.Modes);
        Assert.Equal([1f, 2f, 3f, 2f, 2f, -1f], pooled[0]);
    }

    [Fact]
    public void Apply_Normalize_GivesUnitLength()
    {
        var pooled = new Pooling(false, false, true, false, false, Normalize: true).Apply(Hidden, [2, 3], 3, 2);

        Assert.Equal(2 / Math.Sqrt(5), pooled[0][0], 6);
        Assert.Equal(-1 / Math.Sqrt(5), pooled[0][1], 6);
    }

    [Fact]
    public void Apply_MaskedPrefix_LeavesPromptTokensOutOfMeanButNotOutOfCls()
    {
        var mean = new Pooling(false, false, true, false, false, Normalize: false, MaskedPrefix: 1).Apply(Hidden, [2, 3], 3, 2);
        var cls = new Pooling(true, false, false, false, false, Normalize: false, MaskedPrefix: 1).Apply(Hidden, [2, 3], 3, 2);

        Assert.Equal([3f, -4f], mean[0]);
        Assert.Equal([3.5f, 4f], mean[1]);
        Assert.Equal([1f, 2f], cls[0]);
    }
}
