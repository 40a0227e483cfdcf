using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Service.Models;

/// <summary>
/// What a Hugging Face style model folder holds, found and read once: the ONNX export(s), the model's
/// config, the tokenizer files, the maximum sequence length and a hash of all of it.
/// </summary>
internal sealed class ModelFolder
{
    private static readonly string[] TokenizerFileNames =
    [
        "tokenizer.json", "vocab.txt", "vocab.json", "merges.txt", "sentencepiece.bpe.model", "spiece.model", "tokenizer.model",
        "tokenizer_config.json", "special_tokens_map.json", "sentence_bert_config.json", "config.json",
        "modules.json", "1_Pooling/config.json",
    ];

    private ModelFolder(string path, string id)
    {
        Path = path;
        Id = id;
    }

    public string Path { get; }

    public string Id { get; }

    /// <summary>model.onnx or onnx/model.onnx.</summary>
    public string ModelFile { get; private set; } = string.Empty;

    /// <summary>model_fp16.onnx or onnx/model_fp16.onnx when the folder has one.</summary>
    public string? Fp16ModelFile { get; private set; }

    public JsonElement Config { get; private set; }

    public JsonElement TokenizerConfig { get; private set; }

    public JsonElement SpecialTokensMap { get; private set; }

    public int MaxSequenceLength { get; private set; }

    /// <summary>modules.json, the Pooling module's config and sentence_bert_config.json's do_lower_case.</summary>
    public SentenceTransformerConfig SentenceTransformer { get; private set; } = null!;

    /// <summary>Hex SHA-256 over the names and bytes of the model and tokenizer files.</summary>
    public string FilesHash { get; private set; } = string.Empty;

    /// <summary>The path of <paramref name="name"/> in the folder, or null when it is absent.</summary>
    public string? File(string name)
    {
        var full = System.IO.Path.Combine(Path, name);
        return System.IO.File.Exists(full) ? full : null;
    }

    public static async Task<ModelFolder> LoadAsync(string path, string? id, int? maxSequenceLength, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(path))
        {
            throw ErrorFactory.Config("EmbeddingService:Models", $"model folder '{path}' does not exist.", "Point it at a folder with model.onnx (or onnx/model.onnx) and the tokenizer files.");
        }

        var folder = new ModelFolder(System.IO.Path.GetFullPath(path), id ?? new DirectoryInfo(path).Name);
        folder.ModelFile = folder.File("model.onnx") ?? folder.File(System.IO.Path.Combine("onnx", "model.onnx"))
            ?? throw ErrorFactory.Config("EmbeddingService:Models", $"model folder '{path}' has neither model.onnx nor onnx/model.onnx.", "Export the model to ONNX (e.g. optimum-cli export onnx --task feature-extraction) into that folder.");
        folder.Fp16ModelFile = folder.File("model_fp16.onnx") ?? folder.File(System.IO.Path.Combine("onnx", "model_fp16.onnx"));
        folder.Config = await ReadJsonAsync(folder.File("config.json"), cancellationToken);
        folder.TokenizerConfig = await ReadJsonAsync(folder.File("tokenizer_config.json"), cancellationToken);
        folder.SpecialTokensMap = await ReadJsonAsync(folder.File("special_tokens_map.json"), cancellationToken);
        var sentenceBert = await ReadJsonAsync(folder.File("sentence_bert_config.json"), cancellationToken);
        folder.MaxSequenceLength = maxSequenceLength ?? ChooseMaxLength(folder.Config, folder.TokenizerConfig, sentenceBert);
        folder.SentenceTransformer = await SentenceTransformerConfig.ReadAsync(folder, sentenceBert, cancellationToken);
        folder.FilesHash = await HashAsync(folder, cancellationToken);
        return folder;
    }

    /// <summary>A string setting of tokenizer_config.json or special_tokens_map.json; tokens may be written as {"content": "..."}.</summary>
    public string? TokenizerSetting(string name)
    {
        foreach (var document in new[] { TokenizerConfig, SpecialTokensMap })
        {
            if (document.ValueKind == JsonValueKind.Object && document.TryGetProperty(name, out var value))
            {
                if (value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }

                if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                {
                    return content.GetString();
                }
            }
        }

        return null;
    }

    public bool? TokenizerFlag(string name)
        => TokenizerConfig.ValueKind == JsonValueKind.Object && TokenizerConfig.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    public int? ConfigInt(string name)
        => Config.ValueKind == JsonValueKind.Object && Config.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) ? number : null;

    public string? ConfigString(string name)
        => Config.ValueKind == JsonValueKind.Object && Config.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int ChooseMaxLength(JsonElement config, JsonElement tokenizerConfig, JsonElement sentenceBert)
    {
        // sentence-transformers' own setting wins: all-mpnet-base-v2 says 384 although MPNet could take 512.
        if (TryInt(sentenceBert, "max_seq_length", out var fromSentenceBert))
        {
            return fromSentenceBert;
        }

        // model_max_length is sometimes a huge sentinel (1e30) meaning "unset".
        if (TryInt(tokenizerConfig, "model_max_length", out var fromTokenizer) && fromTokenizer <= 8192)
        {
            return fromTokenizer;
        }

        // RoBERTa-family position tables carry 2 extra rows for the padding offset.
        if (TryInt(config, "max_position_embeddings", out var positions))
        {
            return Math.Min(512, positions);
        }

        return 512;
    }

    private static bool TryInt(JsonElement document, string name, out int value)
    {
        value = 0;
        return document.ValueKind == JsonValueKind.Object
            && document.TryGetProperty(name, out var element)
            && element.ValueKind == JsonValueKind.Number
            && element.TryGetDouble(out var number)
            && number is >= 1 and <= int.MaxValue
            && (value = (int)number) > 0;
    }

    /// <summary>The file's JSON, or default when <paramref name="file"/> is null; a config error naming the file when it is not JSON.</summary>
    internal static async Task<JsonElement> ReadJsonAsync(string? file, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            return default;
        }

        try
        {
            await using var stream = System.IO.File.OpenRead(file);
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw ErrorFactory.Config("EmbeddingService:Models", $"'{file}' is not valid JSON: {ex.Message}", "Restore the file from the model's original repository.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ErrorFactory.Config("EmbeddingService:Models", $"'{file}' could not be read: {ex.Message}", "Make the model folder readable by the service's user.");
        }
    }

    private static async Task<string> HashAsync(ModelFolder folder, CancellationToken cancellationToken)
    {
        var files = TokenizerFileNames.Select(folder.File).OfType<string>()
            .Append(folder.ModelFile)
            .Concat(folder.Fp16ModelFile is null ? [] : [folder.Fp16ModelFile])
            .Distinct(StringComparer.Ordinal)
            .OrderBy(f => System.IO.Path.GetRelativePath(folder.Path, f), StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(System.IO.Path.GetRelativePath(folder.Path, file).Replace('\\', '/') + "\n"));
            await using var stream = System.IO.File.OpenRead(file);
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
