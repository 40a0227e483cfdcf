using System.Diagnostics;
using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Admission;
using EngramBulkLoad.Embedding.Service.Grpc;
using Grpc.Core;
using EngramBulkLoad.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>The client against a scripted service that refuses the way the real one does under overload.</summary>
public sealed class ClientRetryTests
{
    [Fact]
    public async Task EmbedAsync_RefusedWithRetryHint_WaitsAtLeastTheHintThenSucceeds()
    {
        var script = new Script { Refusals = 2, Hint = TimeSpan.FromMilliseconds(300) };
        await using var server = await ScriptedServer.StartAsync(script);
        // The hint is longer than the client's own largest delay: the service's word wins.
        var options = new GrpcEmbedderOptions { Endpoints = [server.Address], ExpectedDimension = 4, MaxRetries = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(5), RetryMaxDelay = TimeSpan.FromMilliseconds(20) };
        await using var client = await GrpcEmbedderClient.ConnectAsync(options, TestContext.Current.CancellationToken).DefaultTimeout();

        var results = await client.EmbedAsync([new EmbeddingInput("a", "hello")], TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal("a", Assert.Single(results).Id);
        var calls = script.Calls.ToArray();
        Assert.Equal(3, calls.Length);
        Assert.All(calls.Zip(calls.Skip(1), (a, b) => b - a), gap => Assert.True(gap >= TimeSpan.FromMilliseconds(295), $"retried after {gap.TotalMilliseconds:F0} ms"));
    }

    [Fact]
    public async Task EmbedAsync_ResourceExhaustedWithoutHint_IsNotRetriedAndSaysItIsASizeLimit()
    {
        var script = new Script { Refusals = 1, Hint = null };
        await using var server = await ScriptedServer.StartAsync(script);
        var options = new GrpcEmbedderOptions { Endpoints = [server.Address], ExpectedDimension = 4, MaxRetries = 6, RetryBaseDelay = TimeSpan.FromMilliseconds(5), RetryMaxDelay = TimeSpan.FromMilliseconds(20) };
        await using var client = await GrpcEmbedderClient.ConnectAsync(options, TestContext.Current.CancellationToken).DefaultTimeout();

        var error = await Assert.ThrowsAsync<EmbeddingException>(() => client.EmbedAsync([new EmbeddingInput("a", "hello")], TestContext.Current.CancellationToken)).DefaultTimeout();

        Assert.Single(script.Calls);
        Assert.False(error.IsTransient);
        Assert.Contains("message-size limit, not overload", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryHint_FromTheServiceRefusal_ReadsRetryInfoAndPushbackTrailer()
    {
        var refusal = Refusals.Overloaded(new OverloadedException("queue_tokens", TimeSpan.FromMilliseconds(1500), "busy"));

        Assert.Equal(StatusCode.ResourceExhausted, refusal.StatusCode);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), RetryHint.From(refusal));
        Assert.Equal("1500", refusal.Trailers.GetValue(Refusals.PushbackTrailer));
        Assert.True(GrpcEmbedderClient.IsTransient(refusal));
        Assert.False(GrpcEmbedderClient.IsTransient(new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."))));
    }

    [Theory]
    [InlineData(2000, 0, 0.0, 2000)] // the hint, above the first backoff
    [InlineData(2000, 0, 1.0, 2500)] // plus up to a quarter of jitter
    [InlineData(100, 5, 0.0, 6400)] // a short hint does not undercut the exponential backoff (200 ms x 2^5)
    [InlineData(100, 10, 0.0, 15000)] // backoff capped at the maximum delay
    [InlineData(20000, 10, 0.0, 20000)] // the hint itself is not capped
    public void RetryHint_Delay_IsTheLargerOfHintAndBackoffWithJitter(int hintMs, int attempt, double random, int expectedMs)
    {
        var delay = RetryHint.Delay(TimeSpan.FromMilliseconds(hintMs), attempt, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(15), random);

        Assert.Equal(expectedMs, delay.TotalMilliseconds, 3);
    }

    private sealed class Script
    {
        public int Refusals { get; init; }

        public TimeSpan? Hint { get; init; }

        public List<TimeSpan> Calls { get; } = [];

        public Stopwatch Clock { get; } = Stopwatch.StartNew();
    }

    private sealed class ScriptedService(Script script) : EmbeddingService.EmbeddingServiceBase
    {
        public override Task<InfoResponse> Info(InfoRequest request, ServerCallContext context)
            => Task.FromResult(new InfoResponse { DefaultModel = "m", Models = { new ModelInfo { ModelId = "m", Dimension = 4, Kind = "onnx" } } });

        public override Task<EmbedResponse> Embed(EmbedRequest request, ServerCallContext context)
        {
            int call;
            lock (script.Calls)
            {
                script.Calls.Add(script.Clock.Elapsed);
                call = script.Calls.Count;
            }

            if (call <= script.Refusals)
            {
                throw script.Hint is { } hint
                    ? Refusals.Overloaded(new OverloadedException("queue_texts", hint, "busy"))
                    : new RpcException(new Status(StatusCode.ResourceExhausted, "Sent message larger than max (1 vs. 0)"));
            }

            var response = new EmbedResponse { ModelId = "m", Dimension = 4 };
            foreach (var item in request.Items)
            {
                var embedding = new Protocol.Embedding { Id = item.Id, TokenCount = 3 };
                VectorCodec.Write(embedding, [0.5f, 0.5f, 0.5f, 0.5f], VectorEncoding.PackedFloat32Le);
                response.Embeddings.Add(embedding);
            }

            return Task.FromResult(response);
        }
    }

    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ScriptedServer(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<ScriptedServer> StartAsync(Script script)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
            builder.Logging.ClearProviders();
            ListenOptions? listen = null;
            builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                listen = l;
            }));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(script);
            var app = builder.Build();
            app.MapGrpcService<ScriptedService>();
            await app.StartAsync(TestContext.Current.CancellationToken).DefaultTimeout();
            return new ScriptedServer(app, new Uri($"http://{listen!.IPEndPoint}"));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
