using EngramBulkLoad.Embedding.Lexical;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Errors;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Service.Models;

/// <summary>The models the service loaded at startup, found by id per request.</summary>
internal sealed class ModelRegistry : IAsyncDisposable
{
    private readonly Dictionary<string, IServedModel> _models;

    private ModelRegistry(Dictionary<string, IServedModel> models, string defaultModel)
    {
        _models = models;
        DefaultModel = defaultModel;
    }

    public string DefaultModel { get; }

    public IEnumerable<IServedModel> Models => _models.Values;

    public bool TryGet(string? modelId, out IServedModel model)
        => _models.TryGetValue(string.IsNullOrEmpty(modelId) ? DefaultModel : modelId, out model!);

    public static async Task<ModelRegistry> LoadAsync(EmbeddingServiceOptions options, EmbeddingMetrics metrics, ILoggerFactory loggers, TimeProvider timeProvider, ExecutionProviderChooser? chooser, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("EngramBulkLoad.Embedding.Service.Models");
        chooser ??= new ExecutionProviderChooser(options.ExecutionProvider, options.CudaDeviceId, options.IntraOpThreads, logger, allowSpinning: options.AllowSpinning, cudaMemoryLimitBytes: options.CudaMemoryLimitBytes);
        var folders = new List<ModelFolderOptions>(options.Models);
        if (!string.IsNullOrEmpty(options.ModelsRoot))
        {
            if (!Directory.Exists(options.ModelsRoot))
            {
                throw ErrorFactory.Config("EmbeddingService:ModelsRoot", $"folder '{options.ModelsRoot}' does not exist.", "Create it with one sub-folder per model, or unset it.");
            }

            folders.AddRange(Directory.GetDirectories(options.ModelsRoot).Order(StringComparer.Ordinal).Select(path => new ModelFolderOptions { Path = path }));
        }

        var models = new Dictionary<string, IServedModel>(StringComparer.Ordinal);
        try
        {
            foreach (var folder in folders)
            {
                var model = await OnnxServedModel.LoadAsync(folder, options, chooser, metrics, logger, timeProvider, cancellationToken);
                if (!models.TryAdd(model.Info.ModelId, model))
                {
                    await model.DisposeAsync();
                    throw ErrorFactory.Config("EmbeddingService:Models", $"two model folders have the id '{model.Info.ModelId}'.", "Give one of them an explicit Id.");
                }
            }

            if (options.ServeLexical)
            {
                var lexical = new LexicalServedModel(metrics);
                models.TryAdd(lexical.Info.ModelId, lexical);
                logger.LogInformation("Serving the offline lexical embedder as model {ModelId} (feature hashing, not a neural model).", LexicalEmbedder.ModelId);
            }

            var defaultModel = options.DefaultModel
                ?? models.Values.FirstOrDefault(m => m.Info.Kind == EmbedderKinds.Onnx)?.Info.ModelId
                ?? LexicalEmbedder.ModelId;
            if (!models.ContainsKey(defaultModel))
            {
                throw ErrorFactory.Config("EmbeddingService:DefaultModel", $"'{defaultModel}' is not among the loaded models ({string.Join(", ", models.Keys)}).", "Name one of them.");
            }

            return new ModelRegistry(models, defaultModel);
        }
        catch
        {
            foreach (var model in models.Values)
            {
                await model.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var model in _models.Values)
        {
            await model.DisposeAsync();
        }
    }
}
