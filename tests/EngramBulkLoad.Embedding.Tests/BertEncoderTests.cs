using EngramBulkLoad.Embedding.TestModels;
using Microsoft.ML.OnnxRuntime;
using OnnxModel = EngramBulkLoad.Embedding.TestModels.Onnx.Model;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>
/// The GPU kit's BERT-shaped model (benchmarks/gpu) must compute BERT, or its comparison with PyTorch's
/// BertModel compares different work: its hidden states are checked against a forward pass written here
/// from BERT's definition, reading the weights back from the ONNX file.
/// </summary>
public sealed class BertEncoderTests
{
    private static readonly BertSpec Tiny = new(VocabularySize: 40, Hidden: 16, Layers: 2, Heads: 4, Intermediate: 32, MaxPositions: 24, Seed: 3);

    [Fact]
    public void WriteOnnx_PaddedBatch_HiddenStatesMatchAReferenceForwardPass()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "model.onnx");
        new BertEncoder(Tiny).WriteOnnx(path, fp16: false);
        int[] shortText = [2, 17, 5, 33, 3];
        int[] longText = [2, 8, 9, 10, 11, 12, 13, 14, 3];

        var states = Run(path, [shortText, longText], fp16: false);

        var weights = OnnxModel.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer
            .Where(t => t.RawData.Length > 0 && t.DataType == 1)
            .ToDictionary(t => t.Name, t => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray());
        foreach (var (ids, row) in new[] { (shortText, 0), (longText, 1) })
        {
            var expected = ReferenceForward(weights, ids);
            for (var t = 0; t < ids.Length; t++)
            {
                for (var d = 0; d < Tiny.Hidden; d++)
                {
                    Assert.Equal(expected[t][d], states[row][t][d], 4);
                }
            }
        }
    }

    [Fact]
    public void WriteOnnx_Fp16Variant_AgreesWithFp32WithinHalfPrecision()
    {
        using var folder = new TempFolder();
        var encoder = new BertEncoder(Tiny);
        encoder.WriteOnnx(Path.Combine(folder.Path, "model.onnx"), fp16: false);
        encoder.WriteOnnx(Path.Combine(folder.Path, "model_fp16.onnx"), fp16: true);
        int[][] batch = [[2, 17, 5, 33, 3], [2, 8, 9, 10, 11, 12, 13, 14, 3]];

        var full = Run(Path.Combine(folder.Path, "model.onnx"), batch, fp16: false);
        var half = Run(Path.Combine(folder.Path, "model_fp16.onnx"), batch, fp16: true);

        for (var b = 0; b < batch.Length; b++)
        {
            for (var t = 0; t < batch[b].Length; t++)
            {
                var cosine = Vectors.Cosine(full[b][t], half[b][t]);
                Assert.True(cosine > 0.999, $"text {b} token {t}: cosine {cosine} between fp16 and fp32 states");
            }
        }
    }

    /// <summary>Runs the model on CPU and returns [text][token][hidden] for the real tokens of each text.</summary>
    private static float[][][] Run(string path, int[][] batch, bool fp16)
    {
        var length = batch.Max(b => b.Length);
        long[] shape = [batch.Length, length];
        var ids = new long[batch.Length * length];
        var mask = new long[batch.Length * length];
        for (var b = 0; b < batch.Length; b++)
        {
            for (var t = 0; t < batch[b].Length; t++)
            {
                ids[(b * length) + t] = batch[b][t];
                mask[(b * length) + t] = 1;
            }
        }

        using var session = new InferenceSession(path);
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], ["last_hidden_state"]);
        var flat = fp16
            ? outputs[0].GetTensorDataAsSpan<Float16>().ToArray().Select(h => h.ToFloat()).ToArray()
            : outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var h = Tiny.Hidden;
        return batch.Select((text, b) => Enumerable.Range(0, text.Length)
            .Select(t => flat.AsSpan(((b * length) + t) * h, h).ToArray()).ToArray()).ToArray();
    }

    /// <summary>BERT's encoder for one unpadded text with token type 0, in double precision.</summary>
    private static double[][] ReferenceForward(Dictionary<string, float[]> w, int[] ids)
    {
        var h = Tiny.Hidden;
        var heads = Tiny.Heads;
        var size = h / heads;
        var x = ids.Select((id, t) => Enumerable.Range(0, h).Select(d => (double)w["embeddings.word"][(id * h) + d] + w["embeddings.position"][(t * h) + d] + w["embeddings.token_type"][d]).ToArray()).ToArray();
        x = x.Select(v => LayerNorm(v, w["embeddings.gamma"], w["embeddings.beta"])).ToArray();
        for (var layer = 0; layer < Tiny.Layers; layer++)
        {
            var p = $"layer{layer}";
            var q = x.Select(v => Dense(v, w, $"{p}.query", h)).ToArray();
            var k = x.Select(v => Dense(v, w, $"{p}.key", h)).ToArray();
            var v = x.Select(v => Dense(v, w, $"{p}.value", h)).ToArray();
            var context = new double[ids.Length][];
            for (var i = 0; i < ids.Length; i++)
            {
                context[i] = new double[h];
                for (var head = 0; head < heads; head++)
                {
                    var scores = Enumerable.Range(0, ids.Length).Select(j => Enumerable.Range(head * size, size).Sum(d => q[i][d] * k[j][d]) / Math.Sqrt(size)).ToArray();
                    var max = scores.Max();
                    var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
                    var sum = exp.Sum();
                    for (var j = 0; j < ids.Length; j++)
                    {
                        for (var d = head * size; d < (head + 1) * size; d++)
                        {
                            context[i][d] += exp[j] / sum * v[j][d];
                        }
                    }
                }
            }

            var attended = x.Select((input, i) => LayerNorm(Add(Dense(context[i], w, $"{p}.attention_output", h), input), w[$"{p}.attention.gamma"], w[$"{p}.attention.beta"])).ToArray();
            x = attended.Select(a =>
            {
                var up = Dense(a, w, $"{p}.intermediate", Tiny.Intermediate).Select(u => 0.5 * u * (1 + Erf(u / Math.Sqrt(2)))).ToArray();
                return LayerNorm(Add(Dense(up, w, $"{p}.output", h), a), w[$"{p}.output.gamma"], w[$"{p}.output.beta"]);
            }).ToArray();
        }

        return x;
    }

    private static double[] Dense(double[] input, Dictionary<string, float[]> w, string name, int outputs)
    {
        var weight = w[name + ".weight"];
        return Enumerable.Range(0, outputs).Select(o => w[name + ".bias"][o] + input.Select((value, i) => value * weight[(i * outputs) + o]).Sum()).ToArray();
    }

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (x, y) => x + y).ToArray();

    private static double[] LayerNorm(double[] v, float[] gamma, float[] beta)
    {
        var mean = v.Average();
        var variance = v.Select(x => (x - mean) * (x - mean)).Average();
        return v.Select((x, i) => ((x - mean) / Math.Sqrt(variance + BertEncoder.LayerNormEpsilon) * gamma[i]) + beta[i]).ToArray();
    }

    // .NET has no erf: the Maclaurin series is exact to about 1e-12 for |x| <= 3, and beyond that the
    // asymptotic series of erfc (three terms) is within 1e-7 absolute, far below the 1e-4 compared.
    private static double Erf(double x)
    {
        var a = Math.Abs(x);
        if (a > 3)
        {
            var erfc = Math.Exp(-a * a) / (a * Math.Sqrt(Math.PI)) * (1 - (1 / (2 * a * a)) + (3 / (4 * Math.Pow(a, 4))));
            return Math.Sign(x) * (1 - erfc);
        }

        double sum = x, term = x;
        for (var n = 1; n < 100; n++)
        {
            term *= -x * x / n;
            sum += term / ((2 * n) + 1);
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
