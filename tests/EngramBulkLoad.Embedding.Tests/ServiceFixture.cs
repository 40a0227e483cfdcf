using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>
/// One service with a model of each tokenizer family (plus the lexical embedder), built once for the
/// test classes that share it.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    public const int MaxLength = 32;
    private readonly TempFolder _folder = new();
    private RunningServer? _server;

    internal RunningServer Server => _server ?? throw new InvalidOperationException("not started");

    public Dictionary<string, TestModelFolder> Models { get; } = [];

    public async ValueTask InitializeAsync()
    {
        Models["mpnet"] = ModelFolderWriter.Write(_folder.File("mpnet"), TokenizerFamily.WordPieceMpnet, maxSequenceLength: MaxLength);
        Models["bert"] = ModelFolderWriter.Write(_folder.File("bert"), TokenizerFamily.WordPieceBert, maxSequenceLength: MaxLength, onnxInSubfolder: true);
        Models["roberta"] = ModelFolderWriter.Write(_folder.File("roberta"), TokenizerFamily.ByteLevelBpe, maxSequenceLength: MaxLength, outputName: "token_embeddings");
        Models["xlmr"] = ModelFolderWriter.Write(_folder.File("xlmr"), TokenizerFamily.SentencePieceXlmr, maxSequenceLength: MaxLength);
        var options = new EmbeddingServiceOptions
        {
            ModelsRoot = _folder.Path,
            DefaultModel = "mpnet",
            ExecutionProvider = ExecutionProviderPreference.Cpu,
            IntraOpThreads = 1,
            Batching = new BatchingOptions { TokenBudget = 256, MaxBatchTexts = 16, QueueCapacity = 4096, SortWindow = 64 },
        };
        _server = await RunningServer.StartAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _folder.Dispose();
    }
}
