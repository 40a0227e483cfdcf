using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service;
using EngramBulkLoad.Embedding.Service.Options;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Benchmarks.Gpu;

/// <summary>
/// The embedding service, the same code as its own executable, hosted in this process on loopback
/// ports and reached over real gRPC: each check starts one with the settings it needs.
/// </summary>
internal sealed class KitService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private KitService(WebApplication app, Uri address, Uri metrics, ModelInfo model)
    {
        _app = app;
        Address = address;
        Metrics = metrics;
        Model = model;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024, MaxSendMessageSize = 256 * 1024 * 1024 });
        Client = new EmbeddingService.EmbeddingServiceClient(_channel);
    }

    public Uri Address { get; }

    public Uri Metrics { get; }

    /// <summary>What the service reports it runs: provider, precision, memory limit.</summary>
    public ModelInfo Model { get; }

    public EmbeddingService.EmbeddingServiceClient Client { get; }

    public static async Task<KitService> StartAsync(string modelFolder, ExecutionProviderPreference provider, PrecisionPreference precision, BatchingOptions batching, long? gpuMemoryLimitBytes, CancellationToken cancellationToken)
    {
        var options = new EmbeddingServiceOptions
        {
            Models = [new ModelFolderOptions { Path = modelFolder }],
            ServeLexical = false,
            ExecutionProvider = provider,
            Precision = precision,
            CudaMemoryLimitBytes = gpuMemoryLimitBytes,
            ListenAddress = "127.0.0.1",
            GrpcPort = 0,
            MetricsPort = 0,
            Batching = batching,
            Limits = new RequestLimitOptions { MaxSendMessageBytes = 256 * 1024 * 1024, MaxReceiveMessageBytes = 256 * 1024 * 1024 },
        };
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var (app, endpoints) = await EmbeddingServer.CreateAsync(builder, options, chooser: null, cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            using var channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
            var info = await new EmbeddingService.EmbeddingServiceClient(channel).InfoAsync(new InfoRequest(), cancellationToken: cancellationToken);
            return new KitService(app, endpoints.GrpcAddress, endpoints.MetricsAddress, info.Models.Single());
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Embeds <paramref name="texts"/> in one request; vectors in order.</summary>
    public async Task<(float[][] Vectors, long Tokens)> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var request = new EmbedRequest();
        for (var i = 0; i < texts.Count; i++)
        {
            request.Items.Add(new TextItem { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Text = texts[i] });
        }

        var response = await Client.EmbedAsync(request, cancellationToken: cancellationToken);
        return (response.Embeddings.Select(e => Embedding.Grpc.VectorCodec.Read(e)!).ToArray(), response.Embeddings.Sum(e => (long)e.TokenCount));
    }

    /// <summary>Sums every sample of a Prometheus metric whose line starts with <paramref name="name"/>.</summary>
    public async Task<double> ScrapeAsync(string name, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Metrics };
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
        return text.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
