using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;
using Grpc.Core;
using Grpc.Health.V1;

namespace EngramBulkLoad.Embedding.Tests;

public sealed class LimitsAuthAndMetricsTests : IAsyncLifetime
{
    private const string Token = "test-token-0123456789abcdef";
    private readonly TempFolder _folder = new();
    private RunningServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        ModelFolderWriter.Write(_folder.File("mpnet"), TokenizerFamily.WordPieceMpnet);
        _server = await RunningServer.StartAsync(new EmbeddingServiceOptions
        {
            ModelsRoot = _folder.Path,
            ExecutionProvider = ExecutionProviderPreference.Cpu,
            BearerToken = Token,
            // 10 lexical vectors of 768 values take 31 KB; 40 KB leaves room for short ids only.
            Limits = new RequestLimitOptions { MaxTextsPerRequest = 10, MaxCharsPerText = 200, MaxReceiveMessageBytes = 64 * 1024, MaxSendMessageBytes = 40_000 },
            Batching = new BatchingOptions { QueueCapacity = 100 },
        });
    }

    [Fact]
    public async Task Embed_WithoutToken_IsUnauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.EmbedAsync(ServiceVectorTests.Request("", ("a", "hello")), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Embed_WithWrongToken_IsUnauthenticated()
    {
        var headers = new Metadata { { "authorization", "Bearer not-the-token-at-all" } };

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.EmbedAsync(ServiceVectorTests.Request("", ("a", "hello")), headers, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Embed_WithToken_Succeeds()
    {
        var response = await _server.Client.EmbedAsync(ServiceVectorTests.Request("", ("a", "hello")), Auth(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        Assert.Equal("a", Assert.Single(response.Embeddings).Id);
    }

    [Fact]
    public async Task HealthCheck_WithoutToken_ReportsServing()
    {
        var health = new Health.HealthClient(_server.CallInvoker);

        var response = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Embed_MoreTextsThanAllowed_IsInvalidArgumentNamingTheLimit()
    {
        var items = Enumerable.Range(0, 11).Select(i => ($"{i}", "hello")).ToArray();

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.EmbedAsync(ServiceVectorTests.Request("", items), Auth(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("at most 10", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_TextLongerThanAllowed_IsInvalidArgumentNamingTheIdButNotTheText()
    {
        var secretText = "confidential " + new string('x', 300);

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.EmbedAsync(ServiceVectorTests.Request("", ("ok", "hello"), ("row-17", secretText)), Auth(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("row-17", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("confidential", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \t\n ")]
    public async Task Embed_EmptyText_IsInvalidArgumentNamingTheItem(string text)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.EmbedAsync(ServiceVectorTests.Request("", ("ok", "hello"), ("row-9", text)), Auth(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("'row-9' (item 1) is empty or only whitespace", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_ModelNameWithNewlineAndHugeLength_IsEchoedEscapedAndCut()
    {
        var name = "mpnet\n2026-01-01 INFO forged entry " + new string('x', 5000);

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.EmbedAsync(ServiceVectorTests.Request(name, ("a", "hello")), Auth(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.DoesNotContain("\n", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("'mpnet\\n2026-01-01 INFO forged entry", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("chars in all", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(error.Status.Detail.Length < 400, error.Status.Detail);
    }

    [Fact]
    public async Task Embed_ResponseWouldExceedTheSendLimit_IsInvalidArgumentBeforeInference()
    {
        // Ten 4,000-character ids fit the 64 KiB request limit, but echoed with ten 768-value vectors they exceed 40 KB.
        var items = Enumerable.Range(0, 10).Select(i => (new string('i', 4000) + i, "hello")).ToArray();

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.EmbedAsync(ServiceVectorTests.Request("lexical-hash-768-v1", items), Auth(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("over the service's limit of 40000 bytes (Limits:MaxSendMessageBytes)", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_MessageLargerThanAllowed_IsRefusedByTheServer()
    {
        // 10 texts of 200 characters stay under the per-text limits but not under 64 KiB once ids are long.
        var items = Enumerable.Range(0, 10).Select(i => (new string('i', 7000) + i, "hello")).ToArray();

        var error = await Assert.ThrowsAsync<RpcException>(() => _server.Client.EmbedAsync(ServiceVectorTests.Request("", items), Auth(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Metrics_AfterEmbedding_ExposesQueueBatchPaddingAndTimingInPrometheusFormat()
    {
        await _server.Client.EmbedAsync(ServiceVectorTests.Request("", ("a", "hello world"), ("b", "the quick brown fox")), Auth(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();
        using var http = new HttpClient { BaseAddress = _server.MetricsAddress };

        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Contains("# TYPE embedding_texts_total counter", text, StringComparison.Ordinal);
        Assert.Contains("embedding_texts_total{model=\"mpnet\"} 2", text, StringComparison.Ordinal);
        // Admitted, unanswered work: nothing once the answer is out.
        Assert.Contains("embedding_admitted_texts{model=\"mpnet\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("embedding_admitted_tokens{model=\"mpnet\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("embedding_batch_padding_ratio_bucket{model=\"mpnet\",le=\"+Inf\"}", text, StringComparison.Ordinal);
        Assert.Contains("embedding_batch_tokens_count{model=\"mpnet\"}", text, StringComparison.Ordinal);
        Assert.Contains("embedding_inference_seconds_sum{model=\"mpnet\"}", text, StringComparison.Ordinal);
        Assert.Contains("embedding_tokenize_seconds_count{model=\"mpnet\"}", text, StringComparison.Ordinal);
    }

    private static Metadata Auth() => new() { { "authorization", "Bearer " + Token } };

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }
}
