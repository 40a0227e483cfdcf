namespace EngramBulkLoad.Embedding.Service.Inference;

/// <summary>
/// Runs one padded batch through a model and returns one pooled, normalized vector per sequence.
/// The seam between the batcher and ONNX Runtime, so batching and out-of-memory splitting are tested
/// without a GPU.
/// </summary>
internal interface IBatchInference
{
    /// <summary>Values per vector.</summary>
    int Dimension { get; }

    /// <summary>Embeds <paramref name="sequences"/> (token ids, special tokens included); one vector per sequence, in order.</summary>
    float[][] Run(IReadOnlyList<int[]> sequences);

    /// <summary>True when <paramref name="exception"/> means the batch did not fit in device memory and a smaller one may.</summary>
    bool IsOutOfMemory(Exception exception);
}
