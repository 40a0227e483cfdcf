using EngramBulkLoad.Embedding.Service.Batching;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Embedding.Service.Metrics;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Service.Tokenization;
using EngramBulkLoad.Errors;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Embedding.Service.Models;

/// <summary>
/// An ONNX model served through the batcher. Tokenization runs on the caller's request thread, so it
/// overlaps with inference of other callers' batches; the batcher's single worker owns the session.
/// </summary>
internal sealed class OnnxServedModel : IServedModel
{
    private readonly TextTokenizer _tokenizer;
    private readonly TextPreparation _preparation;
    private readonly OnnxEncoder _encoder;
    private readonly TokenBudgetBatcher _batcher;
    private readonly EmbeddingMetrics _metrics;
    private readonly TimeProvider _timeProvider;

    private OnnxServedModel(EmbedderInfo info, string device, TextPipeline pipeline, TextPreparation preparation, TextTokenizer tokenizer, OnnxEncoder encoder, TokenBudgetBatcher batcher, EmbeddingMetrics metrics, TimeProvider timeProvider)
    {
        Info = info;
        Device = device;
        Pipeline = pipeline;
        _preparation = preparation;
        _tokenizer = tokenizer;
        _encoder = encoder;
        _batcher = batcher;
        _metrics = metrics;
        _timeProvider = timeProvider;
    }

    public EmbedderInfo Info { get; }

    public TextPipeline Pipeline { get; }

    public string Device { get; }

    public static async Task<OnnxServedModel> LoadAsync(ModelFolderOptions folderOptions, EmbeddingServiceOptions options, ExecutionProviderChooser chooser, EmbeddingMetrics metrics, ILogger logger, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var folder = await ModelFolder.LoadAsync(folderOptions.Path, folderOptions.Id, folderOptions.MaxSequenceLength, cancellationToken);
        if (folder.MaxSequenceLength > options.Batching.TokenBudget)
        {
            throw ErrorFactory.Config("EmbeddingService:Batching:TokenBudget", $"is {options.Batching.TokenBudget}, less than model '{folder.Id}''s maximum sequence length {folder.MaxSequenceLength}: its longest texts would fit no batch.", $"Raise TokenBudget to at least {folder.MaxSequenceLength}.");
        }

        var tokenizer = TokenizerLoader.Load(folder);
        var config = folder.SentenceTransformer;
        var preparation = new TextPreparation(folderOptions.Prompt ?? string.Empty, config.LowerCase);
        // sentence-transformers' prompt_length: the prompt's tokens with the start token, without the end token.
        var maskedPrefix = preparation.Prompt.Length > 0 && !config.IncludePrompt
            ? Math.Max(0, tokenizer.Encode(preparation.Prepare(string.Empty), int.MaxValue).Ids.Length - 1)
            : 0;
        var pooling = config.Pooling with { MaskedPrefix = maskedPrefix };
        OnnxEncoder encoder;
        (Microsoft.ML.OnnxRuntime.InferenceSession Session, ProviderChoice Choice, string Precision) opened;
        try
        {
            opened = chooser.Open(folder.Id, folder.ModelFile, folder.Fp16ModelFile, options.Precision);
        }
        catch
        {
            tokenizer.Dispose();
            throw;
        }

        var (session, choice, precision) = opened;
        try
        {
            encoder = new OnnxEncoder(session, tokenizer.PadId, folder.Id, folder.ConfigInt("hidden_size"), pooling);
            if (config.WordEmbeddingDimension is { } declared && declared != encoder.HiddenSize)
            {
                throw ErrorFactory.Config("EmbeddingService:Models", $"'{config.PoolingFile}' says word_embedding_dimension {declared}, but the model's token embeddings have {encoder.HiddenSize} values.", "Use the Pooling folder that belongs to this model (copy it from the model's repository).");
            }
        }
        catch
        {
            session.Dispose();
            tokenizer.Dispose();
            throw;
        }

        var pipeline = new TextPipeline(tokenizer.Kind, pooling.Modes, pooling.Normalize, preparation.Prompt, config.IncludePrompt, config.LowerCase, config.Declared ? "modules.json" : "defaults");
        var info = new EmbedderInfo(folder.Id, encoder.Dimension, EmbedderKinds.Onnx, folder.MaxSequenceLength, choice.Provider, precision, folder.FilesHash);
        TokenBudgetBatcher batcher;
        try
        {
            batcher = new TokenBudgetBatcher(encoder, options.Batching, metrics, folder.Id, folder.MaxSequenceLength, options.Limits.MaxTextsPerRequest, logger, timeProvider);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }

        logger.LogInformation(
            "Loaded model {ModelId}: dimension {Dimension}, max length {MaxLength}, tokenizer {Tokenizer}, pooling {Pooling} ({Source}), normalized {Normalized}, prompt '{Prompt}', provider {Provider} ({Reason}), precision {Precision}, files {Hash}.",
            folder.Id, encoder.Dimension, folder.MaxSequenceLength, tokenizer.Kind, pipeline.Pooling, pipeline.Source, pipeline.Normalized, pipeline.Prompt, choice.Provider, choice.Reason, precision, folder.FilesHash[..12]);
        var device = choice.Provider == ExecutionProviderChooser.Cuda ? chooser.CudaSettings : "CPU";
        if (choice.Provider == ExecutionProviderChooser.Cuda)
        {
            metrics.WatchCudaDevice(options.CudaDeviceId, options.CudaMemoryLimitBytes);
        }

        return new OnnxServedModel(info, device, pipeline, preparation, tokenizer, encoder, batcher, metrics, timeProvider);
    }

    public async Task<EmbeddedText[]> EmbedAsync(IReadOnlyList<string> texts, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        // Admission before tokenizing: a refusal under overload must not cost the work it refuses.
        var reservation = _batcher.Admit(texts, deadline);
        Task<EmbeddedText[]> pending;
        try
        {
            var started = _timeProvider.GetTimestamp();
            var tokenized = new TokenizedText[texts.Count];
            for (var i = 0; i < texts.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                tokenized[i] = _tokenizer.Encode(_preparation.Prepare(texts[i]), Info.MaxSequenceLength);
            }

            _metrics.Tokenized(Info.ModelId, _timeProvider.GetElapsedTime(started));
            pending = _batcher.SubmitAsync(tokenized, reservation, cancellationToken);
        }
        catch
        {
            reservation.Release();
            throw;
        }

        var results = await pending;
        _metrics.Embedded(Info.ModelId, results.Length, results.Sum(r => (long)r.TokenCount), results.Count(r => r.Truncated));
        return results;
    }

    public async ValueTask DisposeAsync()
    {
        await _batcher.DisposeAsync();
        _encoder.Dispose();
        _tokenizer.Dispose();
    }
}
