using EngramBulkLoad.Embedding.TestModels.Onnx;
using Google.Protobuf;

namespace EngramBulkLoad.Embedding.TestModels;

/// <summary>The shape of a BERT encoder, as Hugging Face's <c>BertConfig</c> names it.</summary>
/// <param name="VocabularySize">vocab_size.</param>
/// <param name="Hidden">hidden_size, which is the embedding dimension.</param>
/// <param name="Layers">num_hidden_layers.</param>
/// <param name="Heads">num_attention_heads; must divide <paramref name="Hidden"/>.</param>
/// <param name="Intermediate">intermediate_size of the feed-forward block.</param>
/// <param name="MaxPositions">max_position_embeddings.</param>
/// <param name="Seed">Seed of the weights; the same spec always gives the same model.</param>
public sealed record BertSpec(int VocabularySize = 30522, int Hidden = 768, int Layers = 12, int Heads = 12, int Intermediate = 3072, int MaxPositions = 512, int Seed = 11)
{
    /// <summary>BERT-base: the architecture of most 768-dimensional sentence-transformers models.</summary>
    public static BertSpec Base { get; } = new();

    /// <summary>Hugging Face's config.json for this shape, so <c>transformers.BertModel</c> builds the same architecture.</summary>
    public Dictionary<string, object> ConfigJson() => new()
    {
        ["architectures"] = new[] { "BertModel" },
        ["model_type"] = "bert",
        ["vocab_size"] = VocabularySize,
        ["hidden_size"] = Hidden,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["intermediate_size"] = Intermediate,
        ["hidden_act"] = "gelu",
        ["max_position_embeddings"] = MaxPositions,
        ["type_vocab_size"] = 2,
        ["layer_norm_eps"] = BertEncoder.LayerNormEpsilon,
        ["hidden_dropout_prob"] = 0.1,
        ["attention_probs_dropout_prob"] = 0.1,
        ["initializer_range"] = 0.02,
        ["pad_token_id"] = 0,
    };
}

/// <summary>
/// Writes a BERT encoder as ONNX with standard operators only (opset 17: Gather, LayerNormalization,
/// MatMul, Softmax, Erf), the graph a plain <c>optimum-cli export onnx</c> of a BERT model has: word,
/// position and token-type embeddings, then per layer multi-head self-attention with the padding mask
/// and a GELU feed-forward block, each followed by a residual LayerNorm; output last_hidden_state. The
/// weights are random (BERT's initializer range, 0.02), so it measures speed and numerics, not meaning.
/// The fp16 variant holds every weight and activation in float16, as an fp16 export does.
/// </summary>
public sealed class BertEncoder(BertSpec spec)
{
    /// <summary>BERT's LayerNorm epsilon.</summary>
    public const double LayerNormEpsilon = 1e-12;

    private const int Float = (int)Tensor.Types.DataType.Float;
    private const int Float16 = (int)Tensor.Types.DataType.Float16;
    private const int Int64 = (int)Tensor.Types.DataType.Int64;

    public BertSpec Spec { get; } = spec ?? throw new ArgumentNullException(nameof(spec));

    /// <summary>Writes the model to <paramref name="path"/>; <paramref name="fp16"/> stores weights and computes in float16.</summary>
    public void WriteOnnx(string path, bool fp16)
    {
        if (Spec.Hidden % Spec.Heads != 0)
        {
            throw new ArgumentException($"hidden size {Spec.Hidden} is not a multiple of {Spec.Heads} heads.", nameof(path));
        }

        var g = new GraphBuilder(fp16 ? Float16 : Float, new Random(Spec.Seed));
        var h = Spec.Hidden;
        var headSize = h / Spec.Heads;
        g.Input("input_ids");
        g.Input("attention_mask");
        g.Input("token_type_ids");

        // Embeddings: word + position (0..sequence-1) + token type, then LayerNorm.
        g.Ints("head_shape", 0, 0, Spec.Heads, headSize);
        g.Ints("merge_shape", 0, 0, h);
        g.Ints("axis_0", 0);
        g.Ints("axes_1_2", 1, 2);
        g.Ints("scalar_one", [], 1);
        g.Ints("scalar_zero", [], 0);
        g.Node("Shape", ["input_ids"], "ids_shape");
        g.Node("Gather", ["ids_shape", "scalar_one"], "sequence_length", Onnx.Attribute.Int("axis", 0));
        g.Node("Range", ["scalar_zero", "sequence_length", "scalar_one"], "positions_1d");
        g.Node("Unsqueeze", ["positions_1d", "axis_0"], "position_ids");
        g.Weight("embeddings.word", Spec.VocabularySize, h);
        g.Weight("embeddings.position", Spec.MaxPositions, h);
        g.Weight("embeddings.token_type", 2, h);
        g.Node("Gather", ["embeddings.word", "input_ids"], "word_states", Onnx.Attribute.Int("axis", 0));
        g.Node("Gather", ["embeddings.position", "position_ids"], "position_states", Onnx.Attribute.Int("axis", 0));
        g.Node("Gather", ["embeddings.token_type", "token_type_ids"], "type_states", Onnx.Attribute.Int("axis", 0));
        g.Node("Add", ["word_states", "position_states"], "embeddings_sum_1");
        g.Node("Add", ["embeddings_sum_1", "type_states"], "embeddings_sum");
        var x = g.LayerNorm("embeddings", "embeddings_sum", h);

        // The additive mask: 0 for real tokens, a large negative number for padding, shaped [batch, 1, 1, sequence].
        g.Node("Cast", ["attention_mask"], "mask_float", Onnx.Attribute.Int("to", g.FloatType));
        g.Scalar("one_float", 1f);
        g.Scalar("mask_negative", fp16 ? -60000f : -1e9f);
        g.Scalar("attention_scale", 1f / MathF.Sqrt(headSize));
        g.Node("Sub", ["one_float", "mask_float"], "mask_inverted");
        g.Node("Mul", ["mask_inverted", "mask_negative"], "mask_additive_2d");
        g.Node("Unsqueeze", ["mask_additive_2d", "axes_1_2"], "mask_additive");
        g.Scalar("sqrt_half", MathF.Sqrt(0.5f));
        g.Scalar("half", 0.5f);

        for (var layer = 0; layer < Spec.Layers; layer++)
        {
            var p = $"layer{layer}";
            var q = g.Dense($"{p}.query", x, h, h);
            var k = g.Dense($"{p}.key", x, h, h);
            var v = g.Dense($"{p}.value", x, h, h);
            g.Node("Reshape", [q, "head_shape"], $"{p}.q_heads");
            g.Node("Reshape", [k, "head_shape"], $"{p}.k_heads");
            g.Node("Reshape", [v, "head_shape"], $"{p}.v_heads");
            g.Node("Transpose", [$"{p}.q_heads"], $"{p}.q_t", Ints("perm", 0, 2, 1, 3));
            g.Node("Transpose", [$"{p}.k_heads"], $"{p}.k_t", Ints("perm", 0, 2, 3, 1));
            g.Node("Transpose", [$"{p}.v_heads"], $"{p}.v_t", Ints("perm", 0, 2, 1, 3));
            g.Node("MatMul", [$"{p}.q_t", $"{p}.k_t"], $"{p}.scores_raw");
            g.Node("Mul", [$"{p}.scores_raw", "attention_scale"], $"{p}.scores_scaled");
            g.Node("Add", [$"{p}.scores_scaled", "mask_additive"], $"{p}.scores");
            g.Node("Softmax", [$"{p}.scores"], $"{p}.probs", Onnx.Attribute.Int("axis", -1));
            g.Node("MatMul", [$"{p}.probs", $"{p}.v_t"], $"{p}.context_heads");
            g.Node("Transpose", [$"{p}.context_heads"], $"{p}.context_t", Ints("perm", 0, 2, 1, 3));
            g.Node("Reshape", [$"{p}.context_t", "merge_shape"], $"{p}.context");
            var attention = g.Dense($"{p}.attention_output", $"{p}.context", h, h);
            g.Node("Add", [attention, x], $"{p}.attention_residual");
            var attended = g.LayerNorm($"{p}.attention", $"{p}.attention_residual", h);

            // GELU as BERT defines it: 0.5 x (1 + erf(x / sqrt 2)).
            var up = g.Dense($"{p}.intermediate", attended, h, Spec.Intermediate);
            g.Node("Mul", [up, "sqrt_half"], $"{p}.gelu_scaled");
            g.Node("Erf", [$"{p}.gelu_scaled"], $"{p}.gelu_erf");
            g.Node("Add", [$"{p}.gelu_erf", "one_float"], $"{p}.gelu_plus");
            g.Node("Mul", [up, $"{p}.gelu_plus"], $"{p}.gelu_product");
            g.Node("Mul", [$"{p}.gelu_product", "half"], $"{p}.gelu");
            var down = g.Dense($"{p}.output", $"{p}.gelu", Spec.Intermediate, h);
            g.Node("Add", [down, attended], $"{p}.output_residual");
            x = g.LayerNorm($"{p}.output", $"{p}.output_residual", h);
        }

        g.Node("Identity", [x], "last_hidden_state");
        g.Output("last_hidden_state", h);
        g.Save(path, fp16 ? "bert_fp16" : "bert");
    }

    private static Onnx.Attribute Ints(string name, params long[] values)
    {
        var attribute = new Onnx.Attribute { Name = name, Type = Onnx.Attribute.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>Accumulates nodes and initializers; weights are drawn uniformly with BERT's standard deviation of 0.02.</summary>
    private sealed class GraphBuilder(int floatType, Random random)
    {
        private static readonly float WeightBound = 0.02f * MathF.Sqrt(3);
        private readonly Graph _graph = new() { Name = "bert" };

        public int FloatType { get; } = floatType;

        public void Input(string name) => _graph.Input.Add(new ValueInfo
        {
            Name = name,
            Type = new TypeInfo { TensorType = new TypeInfo.Types.TensorType { ElemType = Int64, Shape = Shape(Symbol("batch"), Symbol("sequence")) } },
        });

        public void Output(string name, int hidden) => _graph.Output.Add(new ValueInfo
        {
            Name = name,
            Type = new TypeInfo { TensorType = new TypeInfo.Types.TensorType { ElemType = FloatType, Shape = Shape(Symbol("batch"), Symbol("sequence"), new Shape.Types.Dimension { DimValue = hidden }) } },
        });

        public void Node(string type, string[] inputs, string output, params Onnx.Attribute[] attributes)
        {
            var node = new Node { OpType = type, Name = output + "/" + type };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            _graph.Node.Add(node);
        }

        public void Ints(string name, params long[] values) => Ints(name, [values.Length], values);

        public void Ints(string name, long[] dims, params long[] values)
        {
            var tensor = new Tensor { Name = name, DataType = Int64 };
            tensor.Dims.AddRange(dims);
            tensor.Int64Data.AddRange(values);
            _graph.Initializer.Add(tensor);
        }

        public void Scalar(string name, float value) => Add(name, [value], []);

        public void Weight(string name, params long[] dims)
        {
            var count = dims.Aggregate(1L, (a, b) => a * b);
            var values = new float[count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2) - 1) * WeightBound;
            }

            Add(name, values, dims);
        }

        /// <summary>x W + b, returning the output's name.</summary>
        public string Dense(string name, string input, int inputs, int outputs)
        {
            Weight(name + ".weight", inputs, outputs);
            Weight(name + ".bias", outputs);
            Node("MatMul", [input, name + ".weight"], name + ".matmul");
            Node("Add", [name + ".matmul", name + ".bias"], name + ".dense");
            return name + ".dense";
        }

        /// <summary>LayerNormalization over the last axis with BERT's epsilon and the initial gamma 1, beta 0.</summary>
        public string LayerNorm(string name, string input, int hidden)
        {
            Add(name + ".gamma", Enumerable.Repeat(1f, hidden).ToArray(), [hidden]);
            Add(name + ".beta", new float[hidden], [hidden]);
            var output = name + ".normalized";
            Node("LayerNormalization", [input, name + ".gamma", name + ".beta"], output, Onnx.Attribute.Int("axis", -1), new Onnx.Attribute { Name = "epsilon", F = (float)LayerNormEpsilon, Type = Onnx.Attribute.Types.AttributeType.Float });
            return output;
        }

        public void Save(string path, string name)
        {
            _graph.Name = name;
            var model = new Model { IrVersion = 8, ProducerName = "EngramBulkLoad.Embedding.TestModels", Graph = _graph, OpsetImport = { new OperatorSetId { Domain = string.Empty, Version = 17 } } };
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using var file = File.Create(path);
            model.WriteTo(file);
        }

        private void Add(string name, float[] values, long[] dims)
        {
            byte[] bytes;
            if (FloatType == Float16)
            {
                bytes = new byte[values.Length * 2];
                for (var i = 0; i < values.Length; i++)
                {
                    BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), (Half)values[i]);
                }
            }
            else
            {
                bytes = new byte[values.Length * sizeof(float)];
                Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            }

            var tensor = new Tensor { Name = name, DataType = FloatType, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
            tensor.Dims.AddRange(dims);
            _graph.Initializer.Add(tensor);
        }

        private static Shape Shape(params Shape.Types.Dimension[] dims)
        {
            var shape = new Shape();
            shape.Dim.AddRange(dims);
            return shape;
        }

        private static Shape.Types.Dimension Symbol(string name) => new() { DimParam = name };
    }
}
