using System.Net;
using System.Net.Sockets;
using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Lexical;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Tests;

public sealed class ClientTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private RunningServer _server = null!;
    private TestModelFolder _model = null!;

    public async ValueTask InitializeAsync()
    {
        _model = ModelFolderWriter.Write(_folder.File("mpnet"), TokenizerFamily.WordPieceMpnet);
        _server = await RunningServer.StartAsync(new EmbeddingServiceOptions { ModelsRoot = _folder.Path, ExecutionProvider = ExecutionProviderPreference.Cpu });
    }

    [Fact]
    public async Task ConnectAsync_ModelDimensionIsNot768_FailsNamingBothDimensionsAndAFix()
    {
        var options = new GrpcEmbedderOptions { Endpoints = [_server.GrpcAddress], Model = "mpnet" };

        var error = await Assert.ThrowsAsync<EmbeddingException>(() => GrpcEmbedderClient.ConnectAsync(options, TestContext.Current.CancellationToken)).DefaultTimeout();

        Assert.Contains("dimension 16", error.Message, StringComparison.Ordinal);
        Assert.Contains("Engram accepts only 768", error.Message, StringComparison.Ordinal);
        Assert.Contains("Choose a 768-dimensional model", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task EmbedAsync_ManyTextsOverConcurrentCalls_ReturnsReferenceVectorsInInputOrder()
    {
        var options = new GrpcEmbedderOptions { Endpoints = [_server.GrpcAddress], Model = "mpnet", ExpectedDimension = 16, TextsPerCall = 7, MaxConcurrentCalls = 4 };
        await using var client = await GrpcEmbedderClient.ConnectAsync(options, TestContext.Current.CancellationToken).DefaultTimeout();
        var random = new Random(9);
        var texts = Enumerable.Range(0, 100).Select(i => (Id: $"m-{i}", Words: Enumerable.Range(0, random.Next(1, 12)).Select(_ => ModelFolderWriter.Words[random.Next(ModelFolderWriter.Words.Count)]).ToArray())).ToArray();

        var results = await client.EmbedAsync(texts.Select(t => new EmbeddingInput(t.Id, string.Join(' ', t.Words))).ToArray(), TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal("mpnet", client.Info.ModelId);
        Assert.Equal(EmbedderKinds.Onnx, client.Info.Kind);
        Assert.Equal(texts.Select(t => t.Id), results.Select(r => r.Id));
        for (var i = 0; i < texts.Length; i++)
        {
            var expected = _model.Encoder.Reference([_model.Vocabulary["<s>"], .. texts[i].Words.Select(w => _model.Vocabulary[w]), _model.Vocabulary["</s>"]]);
            Assert.True(Vectors.MaxDifference(expected, results[i].Vector) < 1e-4f);
            Assert.Equal(texts[i].Words.Length + 2, results[i].TokenCount);
        }
    }

    [Fact]
    public async Task EmbedAsync_FirstEndpointUnreachable_RetriesOnTheNextAndSucceeds()
    {
        var dead = new Uri($"http://127.0.0.1:{FreePort()}");
        var options = new GrpcEmbedderOptions { Endpoints = [_server.GrpcAddress, dead], Model = "mpnet", ExpectedDimension = 16, TextsPerCall = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(5), RetryMaxDelay = TimeSpan.FromMilliseconds(20) };
        await using var twoEndpoints = await ConnectSkippingDescribeAsync(options);

        var results = await twoEndpoints.EmbedAsync(Enumerable.Range(0, 6).Select(i => new EmbeddingInput($"{i}", "hello world")).ToArray(), TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.Equal(1.0, Vectors.Norm(r.Vector), 4));
    }

    [Fact]
    public async Task ConnectAsync_OnlyEndpointUnreachable_FailsAsTransientAfterRetries()
    {
        var options = new GrpcEmbedderOptions { Endpoints = [new Uri($"http://127.0.0.1:{FreePort()}")], MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(5), RetryMaxDelay = TimeSpan.FromMilliseconds(10) };

        var error = await Assert.ThrowsAsync<EmbeddingException>(() => GrpcEmbedderClient.ConnectAsync(options, TestContext.Current.CancellationToken)).DefaultTimeout();

        Assert.True(error.IsTransient);
        Assert.Contains("Unavailable", error.Message, StringComparison.Ordinal);
        Assert.Contains("Check that the service runs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_UnknownModel_FailsListingTheServedModels()
    {
        var options = new GrpcEmbedderOptions { Endpoints = [_server.GrpcAddress], Model = "all-mpnet-base-v2" };

        var error = await Assert.ThrowsAsync<EmbeddingException>(() => GrpcEmbedderClient.ConnectAsync(options, TestContext.Current.CancellationToken)).DefaultTimeout();

        Assert.Contains("'mpnet'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'lexical-hash-768-v1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbedAsync_LexicalModelThroughTheService_EqualsTheInProcessLexicalEmbedder()
    {
        var options = new GrpcEmbedderOptions { Endpoints = [_server.GrpcAddress], Model = LexicalEmbedder.ModelId };
        await using var client = await GrpcEmbedderClient.ConnectAsync(options, TestContext.Current.CancellationToken).DefaultTimeout();
        var local = new LexicalEmbedder();
        EmbeddingInput[] inputs = [new("a", "Graph databases store memories"), new("b", "Vector search with embeddings")];

        var remote = await client.EmbedAsync(inputs, TestContext.Current.CancellationToken).DefaultTimeout();
        var expected = await local.EmbedAsync(inputs, TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal(EmbedderKinds.Lexical, client.Info.Kind);
        Assert.Equal(768, client.Info.Dimension);
        Assert.Equal(expected.Select(e => e.Vector), remote.Select(r => r.Vector));
    }

    [Fact]
    public async Task ConnectAsync_NoEndpoints_ThrowsConfigExceptionWithFix()
    {
        var error = await Assert.ThrowsAsync<ConfigException>(() => GrpcEmbedderClient.ConnectAsync(new GrpcEmbedderOptions(), TestContext.Current.CancellationToken)).DefaultTimeout();

        Assert.Contains("embedding.endpoints", error.Message, StringComparison.Ordinal);
        Assert.Contains("lexical", error.Message, StringComparison.Ordinal);
    }

    // ConnectAsync asks every endpoint for Info, which a dead one never answers; to test retries during
    // EmbedAsync, connect to the live endpoint for Info and then embed through both.
    private async Task<GrpcEmbedderClient> ConnectSkippingDescribeAsync(GrpcEmbedderOptions options)
    {
        var liveOnly = new GrpcEmbedderOptions { Endpoints = [_server.GrpcAddress], Model = options.Model, ExpectedDimension = options.ExpectedDimension };
        EmbedderInfo info;
        await using (var live = await GrpcEmbedderClient.ConnectAsync(liveOnly, TestContext.Current.CancellationToken).DefaultTimeout())
        {
            info = live.Info;
        }

        return GrpcEmbedderClient.CreateDescribed(options, info);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }
}
