using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.TestModels;
using Grpc.Core;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>Vectors from the running service against the reference computation of the same model.</summary>
public sealed class ServiceVectorTests(ServiceFixture fixture) : IClassFixture<ServiceFixture>
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string, string, string[]> Texts => new()
    {
        { "mpnet", "Hello, World!", ["<s>", "hello", ",", "world", "!", "</s>"] },
        { "bert", "the quick brown fox jumped", ["[CLS]", "the", "quick", "brown", "fox", "jump", "##ed", "[SEP]"] },
        { "roberta", "hello world hello", ["<s>", "hello", "Ġworld", "Ġhello", "</s>"] },
        { "xlmr", "hello world", ["<s>", "\u2581hello", "\u2581world", "</s>"] },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public async Task Embed_EachTokenizerFamily_MatchesReferenceComputation(string model, string text, string[] tokens)
    {
        var folder = fixture.Models[model];
        var expected = folder.Encoder.Reference(tokens.Select(t => folder.Vocabulary[t]).ToArray());

        var response = await fixture.Server.Client.EmbedAsync(Request(model, ("a", text)), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        var embedding = Assert.Single(response.Embeddings);
        var vector = VectorCodec.Read(embedding)!;
        Assert.Equal(model, response.ModelId);
        Assert.Equal(16, response.Dimension);
        Assert.Equal(tokens.Length, embedding.TokenCount);
        Assert.False(embedding.Truncated);
        Assert.True(Vectors.MaxDifference(expected, vector) < Tolerance, $"max difference {Vectors.MaxDifference(expected, vector)}");
        Assert.Equal(1.0, Vectors.Norm(vector), 4);
    }

    [Fact]
    public async Task Embed_TextsOfMixedLengthInOneRequest_PaddingDoesNotChangeAnyVector()
    {
        string[] texts = ["dog", "the quick brown fox jumped over the lazy dog", "hello world", "graph memory engram vector embedding database record"];
        var alone = new List<float[]>();
        foreach (var text in texts)
        {
            var single = await fixture.Server.Client.EmbedAsync(Request("mpnet", ("x", text)), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();
            alone.Add(VectorCodec.Read(single.Embeddings[0])!);
        }

        var together = await fixture.Server.Client.EmbedAsync(Request("mpnet", texts.Select((t, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), t)).ToArray()), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(Vectors.MaxDifference(alone[i], VectorCodec.Read(together.Embeddings[i])!) < Tolerance);
        }
    }

    [Fact]
    public async Task Embed_TextLongerThanModelMaximum_IsCutReportedAndEmbeddedFromItsFirstTokens()
    {
        var folder = fixture.Models["mpnet"];
        var words = Enumerable.Range(0, 100).Select(i => ModelFolderWriter.Words[i % ModelFolderWriter.Words.Count]).ToArray();
        var kept = words.Take(ServiceFixture.MaxLength - 2).Select(w => folder.Vocabulary[w]);
        var expected = folder.Encoder.Reference([folder.Vocabulary["<s>"], .. kept, folder.Vocabulary["</s>"]]);

        var response = await fixture.Server.Client.EmbedAsync(Request("mpnet", ("long", string.Join(' ', words))), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        var embedding = response.Embeddings[0];
        Assert.True(embedding.Truncated);
        Assert.Equal(ServiceFixture.MaxLength, embedding.TokenCount);
        Assert.True(Vectors.MaxDifference(expected, VectorCodec.Read(embedding)!) < Tolerance);
    }

    [Fact]
    public async Task Embed_RequestLargerThanOneBatch_IsSplitAndEveryResultComesBackInOrder()
    {
        // The fixture's batches hold at most 16 texts and 256 padded tokens; 300 texts need many batches.
        var folder = fixture.Models["mpnet"];
        var random = new Random(3);
        var texts = Enumerable.Range(0, 300).Select(i => (Id: $"id-{i}", Words: Enumerable.Range(0, random.Next(1, 25)).Select(_ => ModelFolderWriter.Words[random.Next(ModelFolderWriter.Words.Count)]).ToArray())).ToArray();

        var response = await fixture.Server.Client.EmbedAsync(Request("mpnet", texts.Select(t => (t.Id, string.Join(' ', t.Words))).ToArray()), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        Assert.Equal(texts.Length, response.Embeddings.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = folder.Encoder.Reference([folder.Vocabulary["<s>"], .. texts[i].Words.Select(w => folder.Vocabulary[w]), folder.Vocabulary["</s>"]]);
            Assert.Equal(texts[i].Id, response.Embeddings[i].Id);
            Assert.True(Vectors.MaxDifference(expected, VectorCodec.Read(response.Embeddings[i])!) < Tolerance);
        }
    }

    [Fact]
    public async Task Embed_ManyConcurrentCallers_EachGetsItsOwnVectorsInItsOwnOrder()
    {
        var folder = fixture.Models["bert"];
        var callers = Enumerable.Range(0, 24).Select(async caller =>
        {
            var random = new Random(caller);
            var texts = Enumerable.Range(0, random.Next(1, 40)).Select(i => (Id: $"{caller}/{i}", Words: Enumerable.Range(0, random.Next(1, 20)).Select(_ => ModelFolderWriter.Words[random.Next(ModelFolderWriter.Words.Count)]).ToArray())).ToArray();
            var response = await fixture.Server.Client.EmbedAsync(Request("bert", texts.Select(t => (t.Id, string.Join(' ', t.Words))).ToArray()), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;
            return (texts, response);
        }).ToArray();

        var results = await Task.WhenAll(callers).DefaultTimeout();

        foreach (var (texts, response) in results)
        {
            Assert.Equal(texts.Select(t => t.Id), response.Embeddings.Select(e => e.Id));
            for (var i = 0; i < texts.Length; i++)
            {
                var expected = folder.Encoder.Reference([folder.Vocabulary["[CLS]"], .. texts[i].Words.Select(w => folder.Vocabulary[w]), folder.Vocabulary["[SEP]"]]);
                Assert.True(Vectors.MaxDifference(expected, VectorCodec.Read(response.Embeddings[i])!) < Tolerance);
            }
        }
    }

    [Fact]
    public async Task EmbedStream_SeveralRequests_AnswersEachInOrderWithItsRequestId()
    {
        using var call = fixture.Server.Client.EmbedStream(cancellationToken: TestContext.Current.CancellationToken);
        var requests = Enumerable.Range(0, 10).Select(i =>
        {
            var request = Request("xlmr", Enumerable.Range(0, i + 1).Select(j => ($"{i}.{j}", j % 2 == 0 ? "hello world" : "world")).ToArray());
            request.RequestId = $"r{i}";
            return request;
        }).ToArray();

        var reading = Task.Run(async () =>
        {
            var responses = new List<EmbedResponse>();
            await foreach (var response in call.ResponseStream.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                responses.Add(response);
            }

            return responses;
        });
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request, TestContext.Current.CancellationToken).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var received = await reading.DefaultTimeout();

        Assert.Equal(requests.Select(r => r.RequestId), received.Select(r => r.RequestId));
        Assert.All(received.Zip(requests), pair => Assert.Equal(pair.Second.Items.Select(i => i.Id), pair.First.Embeddings.Select(e => e.Id)));
    }

    [Fact]
    public async Task Embed_RepeatedFloatEncoding_CarriesTheSameVectorAsPackedBytes()
    {
        var packed = await fixture.Server.Client.EmbedAsync(Request("mpnet", ("a", "hello world")), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();
        var request = Request("mpnet", ("a", "hello world"));
        request.Encoding = VectorEncoding.RepeatedFloat;

        var repeated = await fixture.Server.Client.EmbedAsync(request, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        Assert.True(repeated.Embeddings[0].Packed.IsEmpty);
        Assert.Equal(VectorCodec.Read(packed.Embeddings[0]), repeated.Embeddings[0].Values);
    }

    [Fact]
    public async Task Info_AfterStartup_DescribesEveryModelWithProviderPrecisionAndFilesHash()
    {
        var info = await fixture.Server.Client.InfoAsync(new InfoRequest(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        Assert.Equal("mpnet", info.DefaultModel);
        Assert.Equal(["bert", "lexical-hash-768-v1", "mpnet", "roberta", "xlmr"], info.Models.Select(m => m.ModelId).Order(StringComparer.Ordinal));
        var mpnet = info.Models.Single(m => m.ModelId == "mpnet");
        Assert.Equal(16, mpnet.Dimension);
        Assert.Equal(ServiceFixture.MaxLength, mpnet.MaxSequenceLength);
        Assert.Equal(ExecutionProviderChooser.Cpu, mpnet.ExecutionProvider);
        Assert.Equal("fp32", mpnet.Precision);
        Assert.Equal("onnx", mpnet.Kind);
        Assert.Equal("wordpiece", mpnet.Tokenizer);
        Assert.Matches("^[0-9a-f]{64}$", mpnet.FilesHash);
        Assert.Equal(["bpe", "hashing", "unigram", "wordpiece", "wordpiece"], info.Models.Select(m => m.Tokenizer).Order(StringComparer.Ordinal));
        var lexical = info.Models.Single(m => m.Kind == "lexical");
        Assert.Equal(768, lexical.Dimension);
    }

    [Fact]
    public async Task Embed_UnknownModel_AnswersNotFoundListingTheLoadedModels()
    {
        var call = fixture.Server.Client.EmbedAsync(Request("no-such-model", ("a", "hello")), cancellationToken: TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("mpnet", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_EmptyModelName_UsesTheDefaultModel()
    {
        var response = await fixture.Server.Client.EmbedAsync(Request(string.Empty, ("a", "hello")), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        Assert.Equal("mpnet", response.ModelId);
    }

    internal static EmbedRequest Request(string model, params (string Id, string Text)[] items)
    {
        var request = new EmbedRequest { Model = model };
        request.Items.AddRange(items.Select(i => new TextItem { Id = i.Id, Text = i.Text }));
        return request;
    }
}
