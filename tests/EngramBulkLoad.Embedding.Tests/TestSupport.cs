using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Options;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>Timeouts for every awaited task, so a hang fails the test instead of the run.</summary>
internal static class TaskTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(60);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Default, TestContext.Current.CancellationToken);

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Default, TestContext.Current.CancellationToken);
}

/// <summary>The embedding service hosted in the test process on 127.0.0.1 with free ports.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private RunningServer(WebApplication app, Uri grpc, Uri metrics)
    {
        _app = app;
        GrpcAddress = grpc;
        MetricsAddress = metrics;
        _channel = GrpcChannel.ForAddress(grpc);
        Client = new EmbeddingService.EmbeddingServiceClient(_channel);
    }

    public Uri GrpcAddress { get; }

    public Uri MetricsAddress { get; }

    public EmbeddingService.EmbeddingServiceClient Client { get; }

    public CallInvoker CallInvoker => _channel.CreateCallInvoker();

    public static async Task<RunningServer> StartAsync(EmbeddingServiceOptions options, ExecutionProviderChooser? chooser = null)
    {
        options.ListenAddress = "127.0.0.1";
        options.GrpcPort = 0;
        options.MetricsPort = 0;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var (app, endpoints) = await EmbeddingServer.CreateAsync(builder, options, chooser, TestContext.Current.CancellationToken).DefaultTimeout();
        await app.StartAsync(TestContext.Current.CancellationToken).DefaultTimeout();
        return new RunningServer(app, endpoints.GrpcAddress, endpoints.MetricsAddress);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

internal static class Vectors
{
    /// <summary>Largest absolute difference, for comparing float vectors with a tolerance.</summary>
    public static float MaxDifference(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        Assert.Equal(a.Count, b.Count);
        var max = 0f;
        for (var i = 0; i < a.Count; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    public static double Norm(IReadOnlyList<float> v) => Math.Sqrt(v.Sum(x => (double)x * x));

    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b) => a.Zip(b, (x, y) => (double)x * y).Sum() / (Norm(a) * Norm(b));
}

internal static class ModelFolderLoad
{
    /// <summary>Loads a folder that holds only tokenizer files: the empty model.onnx it gets is never opened.</summary>
    public static async Task<EngramBulkLoad.Embedding.Service.Models.ModelFolder> WithoutOnnxAsync(string path)
    {
        var onnx = Path.Combine(path, "model.onnx");
        if (!File.Exists(onnx))
        {
            await File.WriteAllBytesAsync(onnx, [], TestContext.Current.CancellationToken);
        }

        return await EngramBulkLoad.Embedding.Service.Models.ModelFolder.LoadAsync(path, null, null, TestContext.Current.CancellationToken).DefaultTimeout();
    }
}
