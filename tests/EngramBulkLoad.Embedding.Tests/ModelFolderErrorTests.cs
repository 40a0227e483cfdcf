using System.Diagnostics;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.Service.Tokenization;
using EngramBulkLoad.Embedding.TestModels;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>
/// Every missing or malformed file of a model folder is a configuration error that names the file and
/// says what to add; the service process reports it in one line and exits with the configuration exit
/// code, never with a stack trace.
/// </summary>
public sealed class ModelFolderErrorTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public static TheoryData<string, string, string, string> Breakages => new()
    {
        // name, file to change ("-" deletes it), new content, text the message must hold
        { "no onnx", "model.onnx", "-", "neither model.onnx nor onnx/model.onnx" },
        { "broken config", "config.json", "{ \"hidden_size\": ", "config.json' is not valid JSON" },
        { "broken tokenizer config", "tokenizer_config.json", "not json", "tokenizer_config.json' is not valid JSON" },
        { "broken special tokens", "special_tokens_map.json", "[", "special_tokens_map.json' is not valid JSON" },
        { "broken sentence bert", "sentence_bert_config.json", "{", "sentence_bert_config.json' is not valid JSON" },
        { "no vocab", "vocab.txt", "-", "tokenizer.json, vocab.txt, or vocab.json with merges.txt was expected" },
        { "no tokenizer config", "tokenizer_config.json", "-", "has vocab.txt but no tokenizer_config.json" },
        { "no lower case flag", "tokenizer_config.json", "{\"model_max_length\": 512}", "does not say do_lower_case" },
        { "broken tokenizer json", "tokenizer.json", "{\"model\": ", "tokenizer.json' is not valid JSON" },
        { "tokenizer json array", "tokenizer.json", "[]", "tokenizer.json' is not a JSON object" },
        { "tokenizer json without model", "tokenizer.json", "{\"post_processor\": null}", "it has no model.type" },
        { "tokenizer json unreadable model", "tokenizer.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": 7}}", "Hugging Face tokenizers refused" },
        { "modules not array", "modules.json", "{}", "modules.json' is not a JSON array" },
        { "modules with dense", "modules.json", "[{\"type\":\"sentence_transformers.models.Transformer\"},{\"type\":\"sentence_transformers.models.Pooling\",\"path\":\"1_Pooling\"},{\"type\":\"sentence_transformers.models.Dense\",\"path\":\"2_Dense\"}]", "entry 2 is 'sentence_transformers.models.Dense'" },
        { "modules without pooling", "modules.json", "[{\"type\":\"sentence_transformers.models.Transformer\"}]", "lists no sentence_transformers.models.Pooling" },
        { "pooling folder missing", "modules.json", "[{\"type\":\"sentence_transformers.models.Transformer\"},{\"type\":\"sentence_transformers.models.Pooling\",\"path\":\"9_Pooling\"}]", "9_Pooling/config.json' does not exist" },
        { "pooling broken", "1_Pooling/config.json", "{{", "config.json' is not valid JSON" },
        { "pooling no mode", "1_Pooling/config.json", "{\"word_embedding_dimension\": 16}", "turns on no pooling mode" },
        { "pooling weighted", "1_Pooling/config.json", "{\"pooling_mode_weightedmean_tokens\": true}", "pooling_mode_weightedmean_tokens" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task Load_BrokenModelFolder_ThrowsConfigExceptionNamingTheFileAndTheFix(string name, string file, string content, string expected)
    {
        var path = WriteFolder(name.Replace(' ', '-'));
        Break(path, file, content);

        var error = await Assert.ThrowsAsync<ConfigException>(() => LoadAsync(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Config error at 'EmbeddingService:Models'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_SentencePieceModelWithoutTokenizerJson_AsksForTokenizerJson()
    {
        var model = ModelFolderWriter.Write(_folder.File("xlmr"), TokenizerFamily.SentencePieceXlmr);
        File.Delete(Path.Combine(model.Path, "tokenizer.json"));

        var error = await Assert.ThrowsAsync<ConfigException>(() => LoadAsync(model.Path));

        Assert.Contains("has 'sentencepiece.bpe.model' but no tokenizer.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("Add the model's tokenizer.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_FixTheMessageNames_MakesTheFolderLoad()
    {
        var path = WriteFolder("fixed");
        File.Delete(Path.Combine(path, "tokenizer_config.json"));
        await Assert.ThrowsAsync<ConfigException>(() => LoadAsync(path));

        File.WriteAllText(Path.Combine(path, "tokenizer_config.json"), "{\"do_lower_case\": true}");
        var (folder, tokenizer) = await LoadAsync(path);

        using (tokenizer)
        {
            Assert.Equal("wordpiece", tokenizer.Kind);
            Assert.Equal("mean", folder.SentenceTransformer.Pooling.Modes);
        }
    }

    [Fact]
    public async Task Start_PoolingDimensionDiffersFromModel_ThrowsConfigExceptionNamingPoolingConfig()
    {
        var path = WriteFolder("dimension");
        File.WriteAllText(Path.Combine(path, "1_Pooling", "config.json"), "{\"word_embedding_dimension\": 384, \"pooling_mode_mean_tokens\": true}");
        var options = new EmbeddingServiceOptions { ServeLexical = false, ExecutionProvider = ExecutionProviderPreference.Cpu, Models = [new ModelFolderOptions { Path = path }] };

        var error = await Assert.ThrowsAsync<ConfigException>(() => RunningServer.StartAsync(options));

        Assert.Contains("1_Pooling/config.json' says word_embedding_dimension 384, but the model's token embeddings have 16 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceProcess_BrokenModelFolder_ExitsWithConfigCodeAndOneMessageNotAStackTrace()
    {
        var path = WriteFolder("process");
        Break(path, "config.json", "{ broken");
        var service = Path.Combine(AppContext.BaseDirectory, "EngramBulkLoad.Embedding.Service.dll");
        var start = new ProcessStartInfo("dotnet", [service])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["EmbeddingService__Models__0__Path"] = path,
                ["EmbeddingService__ServeLexical"] = "false",
                ["EmbeddingService__ListenAddress"] = "127.0.0.1",
                ["EmbeddingService__GrpcPort"] = "0",
                ["EmbeddingService__MetricsPort"] = "0",
                ["EmbeddingService__ExecutionProvider"] = "Cpu",
            },
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        var output = await stdout + await stderr;
        Assert.Equal(ExitCodes.Config, process.ExitCode);
        Assert.Contains("config.json' is not valid JSON", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    /// <summary>A complete sentence-transformers folder (tiny BERT): modules.json, 1_Pooling, 2_Normalize, tokenizer files.</summary>
    private string WriteFolder(string name)
    {
        var model = ModelFolderWriter.Write(_folder.File(name), TokenizerFamily.WordPieceBert);
        File.WriteAllText(Path.Combine(model.Path, "special_tokens_map.json"), "{\"unk_token\": \"[UNK]\"}");
        File.WriteAllText(Path.Combine(model.Path, "modules.json"), "[{\"type\":\"sentence_transformers.models.Transformer\",\"path\":\"\"},{\"type\":\"sentence_transformers.models.Pooling\",\"path\":\"1_Pooling\"},{\"type\":\"sentence_transformers.models.Normalize\",\"path\":\"2_Normalize\"}]");
        Directory.CreateDirectory(Path.Combine(model.Path, "1_Pooling"));
        File.WriteAllText(Path.Combine(model.Path, "1_Pooling", "config.json"), "{\"word_embedding_dimension\": 16, \"pooling_mode_mean_tokens\": true}");
        return model.Path;
    }

    private static void Break(string folder, string file, string content)
    {
        var target = Path.Combine(folder, file);
        if (content == "-")
        {
            File.Delete(target);
            return;
        }

        File.WriteAllText(target, content);
    }

    private static async Task<(ModelFolder Folder, TextTokenizer Tokenizer)> LoadAsync(string path)
    {
        var folder = await ModelFolder.LoadAsync(path, null, null, TestContext.Current.CancellationToken).DefaultTimeout();
        return (folder, TokenizerLoader.Load(folder));
    }

    public void Dispose() => _folder.Dispose();
}
