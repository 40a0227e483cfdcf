using EngramBulkLoad.Embedding.Service.Options;
using Microsoft.Extensions.Logging.Console;

namespace EngramBulkLoad.Embedding.Service.Hosting;

/// <summary>
/// The embedding service run inside another process, for one model folder: the job's <c>--model</c>
/// flag. It listens on loopback ports the OS chooses and the job talks to it over gRPC exactly as to a
/// remote replica, so a laptop run and a GPU-node run share the tokenizer, the batcher and the ONNX
/// session code instead of growing a second inference path.
/// </summary>
public sealed class LocalEmbeddingService : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalEmbeddingService(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The gRPC address to give the embedder client.</summary>
    public Uri Address { get; }

    /// <summary>Loads the model folder (the ONNX file, tokenizer and config of a Hugging Face style export) and starts serving it.</summary>
    public static async Task<LocalEmbeddingService> StartAsync(string modelFolder, ExecutionProviderPreference provider, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        var options = new EmbeddingServiceOptions
        {
            Models = [new ModelFolderOptions { Path = Path.GetFullPath(modelFolder) }],
            ServeLexical = false,
            ExecutionProvider = provider,
            ListenAddress = "127.0.0.1",
            GrpcPort = 0,
            MetricsPort = 0,
        };
        // No file watching for configuration reloads: nothing here is read from files, and a watcher per
        // job would spend the inotify instances a container is allowed.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });

        // Settings come from the job's flags only: an appsettings.json or EmbeddingService__* variable
        // meant for a stand-alone service must not change the ports or logging of this one.
        builder.Configuration.Sources.Clear();

        // The job prints its own progress; the service's request logs would drown it. Warnings and
        // errors (a CUDA fallback, a model that fails to load) still reach the console.
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var (app, endpoints) = await EmbeddingServer.CreateAsync(builder, options, chooser: null, cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            return new LocalEmbeddingService(app, endpoints.GrpcAddress);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
