using EngramBulkLoad.Embedding.TestModels.Onnx;
using Google.Protobuf;

namespace EngramBulkLoad.Embedding.TestModels;

/// <summary>
/// A sentence-transformers-shaped encoder small enough to build in a test: token embeddings
/// (+ token type embeddings) + attention mask times a learned vector, then dense tanh layers, giving
/// [batch, sequence, hidden]. It has the input and output names of a real export, and its
/// padded positions produce values different from real ones, so pooling that ignores the mask is caught.
/// <see cref="Reference"/> computes the expected sentence vector directly from the weights, without
/// ONNX Runtime and without any of the service's code.
/// </summary>
public sealed class TinyEncoder
{
    private readonly float[] _words;
    private readonly float[] _types;
    private readonly float[] _maskVector;
    private readonly float[][] _weights;
    private readonly float[][] _biases;

    public TinyEncoder(EncoderSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        var random = new Random(spec.Seed);
        _words = Fill(random, spec.VocabularySize * spec.Hidden, 0.5f);
        _types = Fill(random, 2 * spec.Hidden, 0.2f);
        _maskVector = Fill(random, spec.Hidden, 0.3f);
        var scale = 1.5f / MathF.Sqrt(spec.Hidden);
        _weights = Enumerable.Range(0, spec.Layers).Select(_ => Fill(random, spec.Hidden * spec.Hidden, scale)).ToArray();
        _biases = Enumerable.Range(0, spec.Layers).Select(_ => Fill(random, spec.Hidden, 0.1f)).ToArray();
    }

    public EncoderSpec Spec { get; }

    /// <summary>Writes the model as ONNX (IR version 8, opset 17).</summary>
    public void WriteOnnx(string path)
    {
        var h = Spec.Hidden;
        var graph = new Graph { Name = "tiny_encoder" };
        graph.Input.Add(IntInput("input_ids"));
        graph.Input.Add(IntInput("attention_mask"));
        if (Spec.HasTokenTypes)
        {
            graph.Input.Add(IntInput("token_type_ids"));
        }

        graph.Initializer.Add(FloatTensor("word_embeddings", _words, Spec.VocabularySize, h));
        graph.Initializer.Add(FloatTensor("mask_vector", _maskVector, h));
        graph.Initializer.Add(new Tensor { Name = "unsqueeze_axes", DataType = (int)Tensor.Types.DataType.Int64, Dims = { 1 }, Int64Data = { 2 } });
        graph.Node.Add(Op("Gather", ["word_embeddings", "input_ids"], "words", Onnx.Attribute.Int("axis", 0)));
        var current = "words";
        if (Spec.HasTokenTypes)
        {
            graph.Initializer.Add(FloatTensor("token_type_embeddings", _types, 2, h));
            graph.Node.Add(Op("Gather", ["token_type_embeddings", "token_type_ids"], "types", Onnx.Attribute.Int("axis", 0)));
            graph.Node.Add(Op("Add", ["words", "types"], "with_types"));
            current = "with_types";
        }

        graph.Node.Add(Op("Cast", ["attention_mask"], "mask_float", Onnx.Attribute.Int("to", (int)Tensor.Types.DataType.Float)));
        graph.Node.Add(Op("Unsqueeze", ["mask_float", "unsqueeze_axes"], "mask_3d"));
        graph.Node.Add(Op("Mul", ["mask_3d", "mask_vector"], "mask_term"));
        graph.Node.Add(Op("Add", [current, "mask_term"], "layer_0_in"));
        current = "layer_0_in";
        for (var layer = 0; layer < Spec.Layers; layer++)
        {
            graph.Initializer.Add(FloatTensor($"dense_{layer}_weight", _weights[layer], h, h));
            graph.Initializer.Add(FloatTensor($"dense_{layer}_bias", _biases[layer], h));
            graph.Node.Add(Op("MatMul", [current, $"dense_{layer}_weight"], $"layer_{layer}_matmul"));
            graph.Node.Add(Op("Add", [$"layer_{layer}_matmul", $"dense_{layer}_bias"], $"layer_{layer}_add"));
            var output = layer == Spec.Layers - 1 ? Spec.OutputName : $"layer_{layer + 1}_in";
            graph.Node.Add(Op("Tanh", [$"layer_{layer}_add"], output));
            current = output;
        }

        if (Spec.Layers == 0)
        {
            graph.Node.Add(Op("Identity", [current], Spec.OutputName));
        }

        graph.Output.Add(new ValueInfo
        {
            Name = Spec.OutputName,
            Type = new TypeInfo { TensorType = new TypeInfo.Types.TensorType { ElemType = (int)Tensor.Types.DataType.Float, Shape = Shape(Dim("batch"), Dim("sequence"), Dim(h)) } },
        });

        var model = new Model { IrVersion = 8, ProducerName = "EngramBulkLoad.Embedding.TestModels", Graph = graph, OpsetImport = { new OperatorSetId { Domain = string.Empty, Version = 17 } } };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = File.Create(path);
        model.WriteTo(file);
    }

    /// <summary>The sentence vector the model should give for <paramref name="ids"/>: mean of the token states, L2-normalized.</summary>
    public float[] Reference(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var h = Spec.Hidden;
        var sum = new double[h];
        foreach (var id in ids)
        {
            var state = TokenState(id);
            for (var d = 0; d < h; d++)
            {
                sum[d] += state[d];
            }
        }

        var norm = Math.Sqrt(sum.Sum(v => (v / ids.Count) * (v / ids.Count)));
        return sum.Select(v => (float)(v / ids.Count / Math.Max(norm, 1e-12))).ToArray();
    }

    private double[] TokenState(int id)
    {
        var h = Spec.Hidden;
        var x = new double[h];
        for (var d = 0; d < h; d++)
        {
            // Real tokens have token type 0 and mask 1.
            x[d] = _words[(id * h) + d] + (Spec.HasTokenTypes ? _types[d] : 0) + _maskVector[d];
        }

        for (var layer = 0; layer < Spec.Layers; layer++)
        {
            var next = new double[h];
            for (var o = 0; o < h; o++)
            {
                double acc = _biases[layer][o];
                for (var i = 0; i < h; i++)
                {
                    acc += x[i] * _weights[layer][(i * h) + o];
                }

                next[o] = Math.Tanh(acc);
            }

            x = next;
        }

        return x;
    }

    private static float[] Fill(Random random, int count, float scale)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }

    private static ValueInfo IntInput(string name) => new()
    {
        Name = name,
        Type = new TypeInfo { TensorType = new TypeInfo.Types.TensorType { ElemType = (int)Tensor.Types.DataType.Int64, Shape = Shape(Dim("batch"), Dim("sequence")) } },
    };

    private static Shape Shape(params Shape.Types.Dimension[] dims)
    {
        var shape = new Shape();
        shape.Dim.AddRange(dims);
        return shape;
    }

    private static Shape.Types.Dimension Dim(string symbol) => new() { DimParam = symbol };

    private static Shape.Types.Dimension Dim(long size) => new() { DimValue = size };

    private static Tensor FloatTensor(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        var tensor = new Tensor { Name = name, DataType = (int)Tensor.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static Node Op(string type, string[] inputs, string output, params Onnx.Attribute[] attributes)
    {
        var node = new Node { OpType = type, Name = output + "_node" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }
}

