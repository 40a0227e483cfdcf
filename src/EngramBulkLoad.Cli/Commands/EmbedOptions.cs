using System.CommandLine;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Embedding;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Stage;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>What <c>embed</c>, <c>run</c> and <c>demo</c> share: the "embedding" section and the flags that override it.</summary>
internal static class EmbedOptions
{
    public static readonly Option<string?> Service = new("--embedding-service")
    {
        Description = "Address of the embedding service, e.g. http://embedder:50061 (overrides the embedding section; default: the offline lexical embedder).",
    };

    public static readonly Option<string?> Model = new("--model")
    {
        Description = "A Hugging Face style model folder (model.onnx, tokenizer, config.json) embedded in this process; for large loads run the embedding service on a GPU node instead.",
    };

    public static readonly Option<ExecutionProviderPreference> ExecutionProvider = new("--execution-provider")
    {
        Description = "With --model: Auto (CUDA when a GPU and its libraries are there, else CPU), Cuda, or Cpu.",
        DefaultValueFactory = _ => ExecutionProviderPreference.Auto,
    };

    public static readonly Option<string[]> ReuseVectors = new("--reuse-vectors")
    {
        Description = "Another snapshot folder whose vectors are reused where the text and model are unchanged (repeatable).",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<bool> ChangeModel = new("--change-model")
    {
        Description = "Embed every part again when the model differs from the one the snapshot was embedded with.",
    };

    public static readonly Option<int?> MetricsPort = new("--metrics-port")
    {
        Description = "Serve Prometheus metrics on http://+:PORT/metrics while the command runs.",
    };

    /// <summary>The embed stage's settings from the config and flags.</summary>
    public static EmbedSettings Settings(JobConfig config, ParseResult parse)
    {
        var settings = EmbedSettings.From(config.Embedding, config.BaseDirectory);
        var reuse = parse.GetValue(ReuseVectors) ?? [];
        return settings with
        {
            ReuseFrom = [.. settings.ReuseFrom, .. reuse.Select(Path.GetFullPath)],
            ChangeModel = parse.GetValue(ChangeModel),
        };
    }

    /// <summary>Creates the embedder and refuses settings of the section nobody read.</summary>
    public static async Task<ITextEmbedder> EmbedderAsync(JobConfig config, ParseResult parse, CancellationToken cancellationToken)
    {
        if (parse.GetValue(Model) is { } model)
        {
            if (parse.GetValue(Service) is not null)
            {
                throw ErrorFactory.Config("--model", "and --embedding-service both name an embedder.", "Give one: --model for a model folder in this process, --embedding-service for a running service.");
            }

            return await LocalModelEmbedder.StartAsync(model, parse.GetValue(ExecutionProvider), config.Embedding, cancellationToken);
        }

        var embedder = await EmbedderFactory.CreateAsync(config.Embedding, parse.GetValue(Service), cancellationToken);
        config.Embedding?.RejectUnknown();
        return embedder;
    }
}
