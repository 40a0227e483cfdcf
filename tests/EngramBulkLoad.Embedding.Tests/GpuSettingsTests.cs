using EngramBulkLoad.Embedding.Protocol;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>The settings a GPU node needs: the CUDA memory limit, and Info saying where each model runs.</summary>
public sealed class GpuSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public void Validate_CudaMemoryLimitBelow256MiB_IsAConfigErrorNamingTheSetting()
    {
        var options = new EmbeddingServiceOptions { CudaMemoryLimitBytes = 64L * 1024 * 1024 };

        var error = Assert.Throws<ConfigException>(options.Validate);

        Assert.Contains("EmbeddingService:CudaMemoryLimitBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("256 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_ModelOnCpuAndLexical_ReportWhereEachRuns()
    {
        var model = ModelFolderWriter.Write(_folder.File("m"), TokenizerFamily.WordPieceMpnet);
        var options = new EmbeddingServiceOptions
        {
            Models = [new ModelFolderOptions { Path = model.Path }],
            ExecutionProvider = ExecutionProviderPreference.Cpu,
            CudaMemoryLimitBytes = 1024L * 1024 * 1024,
        };
        await using var server = await RunningServer.StartAsync(options);

        var info = await server.Client.InfoAsync(new InfoRequest(), cancellationToken: TestContext.Current.CancellationToken).ResponseAsync.DefaultTimeout();

        Assert.Equal("CPU", info.Models.Single(m => m.ModelId == "m").Device);
        Assert.Equal("none", info.Models.Single(m => m.Kind == "lexical").Device);
    }

    [Fact]
    public async Task Metrics_NoModelOnCuda_ExportNoGpuMemoryGauges()
    {
        // The gauges read the device through libcudart: a CPU-only service must not report a device it does not use.
        var model = ModelFolderWriter.Write(_folder.File("m"), TokenizerFamily.WordPieceMpnet);
        var options = new EmbeddingServiceOptions { Models = [new ModelFolderOptions { Path = model.Path }], ExecutionProvider = ExecutionProviderPreference.Cpu };
        await using var server = await RunningServer.StartAsync(options);
        using var http = new HttpClient { BaseAddress = server.MetricsAddress };

        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Contains("embedding_texts_total", text, StringComparison.Ordinal);
        Assert.DoesNotContain(text.Split('\n'), line => line.StartsWith("embedding_gpu_memory", StringComparison.Ordinal));
    }

    public void Dispose() => _folder.Dispose();
}
