using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>Settings that would fail valid requests later are refused when the service starts.</summary>
public sealed class StartupChecksTests
{
    [Fact]
    public async Task StartAsync_SendLimitCannotHoldAFullRequest_FailsNamingTheSettingAndBothFixes()
    {
        var options = new EmbeddingServiceOptions { Limits = new RequestLimitOptions { MaxSendMessageBytes = 1_000_000 } };

        var error = await Assert.ThrowsAsync<ConfigException>(() => RunningServer.StartAsync(options)).DefaultTimeout();

        // 2,048 lexical vectors of 768 float32 values need more than 6 MB.
        Assert.Contains("EmbeddingService:Limits:MaxSendMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("'lexical-hash-768-v1' (768 values per vector)", error.Message, StringComparison.Ordinal);
        Assert.Contains("lower MaxTextsPerRequest to 323 or less", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_LoweredTextsPerRequestAsTheMessageSays_Starts()
    {
        var options = new EmbeddingServiceOptions { Limits = new RequestLimitOptions { MaxSendMessageBytes = 1_000_000, MaxTextsPerRequest = 323 } };

        await using var server = await RunningServer.StartAsync(options);

        Assert.NotNull(server.GrpcAddress);
    }

    [Fact]
    public async Task StartAsync_TokenCapacityBelowOneFullRequest_FailsAtModelLoad()
    {
        using var folder = new TempFolder();
        ModelFolderWriter.Write(folder.File("mpnet"), TokenizerFamily.WordPieceMpnet, maxSequenceLength: 64);
        var options = new EmbeddingServiceOptions
        {
            ModelsRoot = folder.Path,
            ExecutionProvider = ExecutionProviderPreference.Cpu,
            Limits = new RequestLimitOptions { MaxTextsPerRequest = 100 },
            Batching = new BatchingOptions { QueueCapacity = 100, QueueTokenCapacity = 5000 },
        };

        var error = await Assert.ThrowsAsync<ConfigException>(() => RunningServer.StartAsync(options)).DefaultTimeout();

        Assert.Contains("Raise it to at least 6400", error.Message, StringComparison.Ordinal);
    }
}
