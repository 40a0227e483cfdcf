using System.Text.Json;
using EngramBulkLoad.Embedding.Service.Inference;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Service.Models;

/// <summary>
/// A sentence-transformers folder's own description of how a vector is made: modules.json (Transformer,
/// Pooling, Normalize), the Pooling module's config.json and sentence_bert_config.json's do_lower_case.
/// A folder without modules.json (a plain transformers export) gets mean pooling and normalization.
/// </summary>
/// <param name="Pooling">The pooling and normalization the folder declares (before any prompt is known).</param>
/// <param name="IncludePrompt">1_Pooling's include_prompt (default true): false leaves the prompt's tokens out of the pooling.</param>
/// <param name="LowerCase">sentence_bert_config.json's do_lower_case: sentence-transformers lower-cases every text before tokenizing.</param>
/// <param name="Declared">True when the folder has modules.json; false when the defaults were taken.</param>
/// <param name="WordEmbeddingDimension">1_Pooling's word_embedding_dimension, checked against the model's hidden size; null when not stated.</param>
/// <param name="PoolingFile">The Pooling config's path, for messages; null when the defaults were taken.</param>
internal sealed record SentenceTransformerConfig(Pooling Pooling, bool IncludePrompt, bool LowerCase, bool Declared, int? WordEmbeddingDimension = null, string? PoolingFile = null)
{
    private const string Setting = "EmbeddingService:Models";
    private const string ModulePrefix = "sentence_transformers.models.";

    public static async Task<SentenceTransformerConfig> ReadAsync(ModelFolder folder, JsonElement sentenceBert, CancellationToken cancellationToken)
    {
        var lowerCase = sentenceBert.ValueKind == JsonValueKind.Object && sentenceBert.TryGetProperty("do_lower_case", out var lower) && lower.ValueKind == JsonValueKind.True;
        var modulesFile = folder.File("modules.json");
        if (modulesFile is null)
        {
            // A Pooling folder without modules.json is still the model's declaration; normalization stays on.
            if (folder.File(Path.Combine("1_Pooling", "config.json")) is { } poolingFile)
            {
                var (pooling, include, dimension) = await ReadPoolingAsync(poolingFile, normalize: true, cancellationToken);
                return new SentenceTransformerConfig(pooling, include, lowerCase, Declared: false, dimension, poolingFile);
            }

            return new SentenceTransformerConfig(Pooling.MeanNormalized, IncludePrompt: true, lowerCase, Declared: false);
        }

        var modules = await ModelFolder.ReadJsonAsync(modulesFile, cancellationToken);
        if (modules.ValueKind != JsonValueKind.Array)
        {
            throw ErrorFactory.Config(Setting, $"'{modulesFile}' is not a JSON array of modules.", "Copy modules.json unchanged from the model's repository.");
        }

        string? poolingPath = null;
        var normalize = false;
        foreach (var (module, index) in modules.EnumerateArray().Select((m, i) => (m, i)))
        {
            var type = module.ValueKind == JsonValueKind.Object && module.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
            var path = module.ValueKind == JsonValueKind.Object && module.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : string.Empty;
            switch (type?.StartsWith(ModulePrefix, StringComparison.Ordinal) == true ? type[ModulePrefix.Length..] : type)
            {
                case "Transformer" when index == 0:
                    break;
                case "Pooling" when poolingPath is null:
                    poolingPath = path;
                    break;
                case "Normalize":
                    normalize = true;
                    break;
                case null:
                    throw ErrorFactory.Config(Setting, $"'{modulesFile}' entry {index} has no \"type\".", "Copy modules.json unchanged from the model's repository.");
                default:
                    throw ErrorFactory.Config(
                        Setting,
                        $"'{modulesFile}' entry {index} is '{type}'; this service runs Transformer (first), one Pooling and Normalize.",
                        "Use a model whose modules are those (Dense and other layers are not run), or export the whole pipeline into the ONNX file and remove the module from modules.json.");
            }
        }

        if (poolingPath is null)
        {
            throw ErrorFactory.Config(Setting, $"'{modulesFile}' lists no sentence_transformers.models.Pooling module, so how token embeddings become one vector is not said.", "Add the Pooling module and its folder (1_Pooling/config.json) from the model's repository.");
        }

        var poolingConfig = folder.File(Path.Combine(poolingPath, "config.json"))
            ?? throw ErrorFactory.Config(Setting, $"'{modulesFile}' lists a Pooling module in '{poolingPath}', but '{Path.Combine(folder.Path, poolingPath, "config.json")}' does not exist.", "Copy the Pooling folder (1_Pooling/config.json) from the model's repository.");
        var (declared, includePrompt, wordDimension) = await ReadPoolingAsync(poolingConfig, normalize, cancellationToken);
        return new SentenceTransformerConfig(declared, includePrompt, lowerCase, Declared: true, wordDimension, poolingConfig);
    }

    private static async Task<(Pooling Pooling, bool IncludePrompt, int? WordEmbeddingDimension)> ReadPoolingAsync(string file, bool normalize, CancellationToken cancellationToken)
    {
        var config = await ModelFolder.ReadJsonAsync(file, cancellationToken);
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw ErrorFactory.Config(Setting, $"'{file}' is not a JSON object.", "Copy 1_Pooling/config.json unchanged from the model's repository.");
        }

        bool Flag(string name) => config.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
        if (Flag("pooling_mode_weightedmean_tokens"))
        {
            throw ErrorFactory.Config(Setting, $"'{file}' asks for pooling_mode_weightedmean_tokens, which this service does not compute.", "Use a model pooled by cls, mean, max, mean_sqrt_len or lasttoken.");
        }

        var pooling = new Pooling(Flag("pooling_mode_cls_token"), Flag("pooling_mode_max_tokens"), Flag("pooling_mode_mean_tokens"), Flag("pooling_mode_mean_sqrt_len_tokens"), Flag("pooling_mode_lasttoken"), normalize);
        if (pooling.Modes.Length == 0)
        {
            throw ErrorFactory.Config(Setting, $"'{file}' turns on no pooling mode.", "Set one of pooling_mode_cls_token, pooling_mode_mean_tokens, pooling_mode_max_tokens to true, as the model's repository has it.");
        }

        var includePrompt = !config.TryGetProperty("include_prompt", out var include) || include.ValueKind != JsonValueKind.False;
        int? dimension = config.TryGetProperty("word_embedding_dimension", out var d) && d.TryGetInt32(out var value) ? value : null;
        return (pooling, includePrompt, dimension);
    }
}
