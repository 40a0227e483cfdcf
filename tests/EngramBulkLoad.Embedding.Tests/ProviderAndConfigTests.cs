using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;
using EngramBulkLoad.Errors;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace EngramBulkLoad.Embedding.Tests;

public sealed class ProviderAndConfigTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public void Open_AutoWhenCudaCannotStart_FallsBackToCpuAndSaysWhy()
    {
        var model = ModelFolderWriter.Write(_folder.File("m"), TokenizerFamily.WordPieceMpnet);
        var chooser = new ExecutionProviderChooser(ExecutionProviderPreference.Auto, 0, 1, NullLogger.Instance, NoCuda);

        var (session, choice, precision) = chooser.Open("m", Path.Combine(model.Path, "model.onnx"), null, PrecisionPreference.Auto);
        using (session)
        {
            Assert.Equal(ExecutionProviderChooser.Cpu, choice.Provider);
            Assert.Contains("libcudart.so.13", choice.Reason, StringComparison.Ordinal);
            Assert.Equal("fp32", precision);
        }
    }

    [Fact]
    public void Open_CudaRequiredButUnavailable_ThrowsConfigExceptionWithFix()
    {
        var model = ModelFolderWriter.Write(_folder.File("m"), TokenizerFamily.WordPieceMpnet);
        var chooser = new ExecutionProviderChooser(ExecutionProviderPreference.Cuda, 0, 1, NullLogger.Instance, NoCuda);

        var error = Assert.Throws<ConfigException>(() => chooser.Open("m", Path.Combine(model.Path, "model.onnx"), null, PrecisionPreference.Auto));

        Assert.Contains("CUDA 13 and cuDNN 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AutoOnThisMachine_ReportsAProviderThatOnnxRuntimeOffers()
    {
        // The real CUDA probe: CUDA on a GPU machine with the libraries, CPU elsewhere; either way a working session.
        var model = ModelFolderWriter.Write(_folder.File("m"), TokenizerFamily.WordPieceMpnet);
        var chooser = new ExecutionProviderChooser(ExecutionProviderPreference.Auto, 0, 1, NullLogger.Instance);

        var (session, choice, _) = chooser.Open("m", Path.Combine(model.Path, "model.onnx"), null, PrecisionPreference.Auto);
        using (session)
        {
            Assert.Contains(choice.Provider, OrtEnv.Instance().GetAvailableProviders());
            Assert.Contains("input_ids", session.InputMetadata.Keys);
        }
    }

    [Fact]
    public async Task LoadAsync_FolderWithoutOnnxFile_ThrowsConfigExceptionSayingHowToExport()
    {
        var model = ModelFolderWriter.Write(_folder.File("m"), TokenizerFamily.WordPieceMpnet);
        File.Delete(Path.Combine(model.Path, "model.onnx"));

        var error = await Assert.ThrowsAsync<ConfigException>(() => ModelFolder.LoadAsync(model.Path, null, null, TestContext.Current.CancellationToken)).DefaultTimeout();

        Assert.Contains("onnx/model.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains("optimum-cli export onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_SentenceBertConfig_SetsMaximumLengthAndTokenizerChangeChangesHash()
    {
        var model = ModelFolderWriter.Write(_folder.File("m"), TokenizerFamily.WordPieceMpnet, maxSequenceLength: 384);
        var before = await ModelFolder.LoadAsync(model.Path, null, null, TestContext.Current.CancellationToken).DefaultTimeout();
        await File.AppendAllTextAsync(Path.Combine(model.Path, "vocab.txt"), "extra\n", TestContext.Current.CancellationToken).DefaultTimeout();

        var after = await ModelFolder.LoadAsync(model.Path, null, null, TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal(384, before.MaxSequenceLength);
        Assert.Equal("m", before.Id);
        Assert.NotEqual(before.FilesHash, after.FilesHash);
    }

    [Fact]
    public async Task LoadAsync_TokenBudgetBelowModelMaximum_ThrowsConfigExceptionNamingTheMinimum()
    {
        ModelFolderWriter.Write(_folder.File("m"), TokenizerFamily.WordPieceMpnet, maxSequenceLength: 384);
        var options = new EmbeddingServiceOptions { ModelsRoot = _folder.Path, ExecutionProvider = ExecutionProviderPreference.Cpu, Batching = new BatchingOptions { TokenBudget = 256 } };
        using var metrics = new EmbeddingMetrics();

        var error = await Assert.ThrowsAsync<ConfigException>(() => ModelRegistry.LoadAsync(options, metrics, NullLoggerFactory.Instance, TimeProvider.System, null, TestContext.Current.CancellationToken)).DefaultTimeout();

        Assert.Contains("at least 384", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_QueueSmallerThanOneRequest_ThrowsConfigException()
    {
        var options = new EmbeddingServiceOptions { Limits = new RequestLimitOptions { MaxTextsPerRequest = 500 }, Batching = new BatchingOptions { QueueCapacity = 100 } };

        var error = Assert.Throws<ConfigException>(options.Validate);

        Assert.Contains("QueueCapacity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ShortBearerToken_ThrowsConfigException()
    {
        var options = new EmbeddingServiceOptions { BearerToken = "short" };

        Assert.Throws<ConfigException>(options.Validate);
    }

    [Fact]
    public void OutOfMemoryDetection_AllocationFailureMessages_AreRecognizedAndOtherFailuresAreNot()
    {
        var notAModel = Path.Combine(_folder.Path, "broken.onnx");
        File.WriteAllText(notAModel, "not an onnx model");
        var realOrtError = Assert.ThrowsAny<OnnxRuntimeException>(() => new InferenceSession(notAModel));

        Assert.True(OnnxEncoder.IsOutOfMemoryError(new InvalidOperationException("[ErrorCode:Fail] CUDA failure 2: out of memory")));
        Assert.True(OnnxEncoder.IsOutOfMemoryError(new InvalidOperationException("[ErrorCode:RuntimeException] Failed to allocate memory for requested buffer of size 123")));
        Assert.True(OnnxEncoder.IsOutOfMemoryError(new OutOfMemoryException()));
        Assert.False(OnnxEncoder.IsOutOfMemoryError(realOrtError));
    }

    [Fact]
    public void VectorCodec_PackedAndRepeated_RoundTripExactly()
    {
        float[] vector = [0.1f, -2.5f, float.Epsilon, 3.4e38f];
        var packed = new Protocol.Embedding();
        var repeated = new Protocol.Embedding();

        VectorCodec.Write(packed, vector, Protocol.VectorEncoding.PackedFloat32Le);
        VectorCodec.Write(repeated, vector, Protocol.VectorEncoding.RepeatedFloat);

        Assert.Equal(16, packed.Packed.Length);
        Assert.Equal(vector, VectorCodec.Read(packed));
        Assert.Equal(vector, VectorCodec.Read(repeated));
    }

    private static void NoCuda(SessionOptions options, int device)
        => throw new InvalidOperationException("libcudart.so.13: cannot open shared object file: No such file or directory");

    public void Dispose() => _folder.Dispose();
}
