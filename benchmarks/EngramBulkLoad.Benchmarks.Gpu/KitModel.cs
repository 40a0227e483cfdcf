using System.Globalization;
using System.Text.Json;
using EngramBulkLoad.Embedding.TestModels;

namespace EngramBulkLoad.Benchmarks.Gpu;

/// <summary>
/// The kit's model folder: a BERT-shaped encoder (fp32 model.onnx and fp16 model_fp16.onnx) with a
/// WordPiece vocabulary and the sentence-transformers files of a mean-pooled, normalized model. It is
/// written on the GPU machine itself (a BERT-base export is 440 MB, far over what one command may send).
/// </summary>
internal static class KitModel
{
    /// <summary>Words of the kit's texts, all in the vocabulary, so texts tokenize without [UNK].</summary>
    public static IReadOnlyList<string> Words(int vocabularySize)
        => ModelFolderWriter.Words.Concat(Enumerable.Range(0, Math.Max(0, vocabularySize - 5 - ModelFolderWriter.Words.Count))
            .Select(i => "w" + i.ToString("x", CultureInfo.InvariantCulture))).ToArray();

    public static void Write(string folder, BertSpec spec, int maxSequenceLength)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Words(spec.VocabularySize)]);
        WriteJson(folder, "tokenizer_config.json", new Dictionary<string, object> { ["tokenizer_class"] = "BertTokenizer", ["do_lower_case"] = true, ["model_max_length"] = spec.MaxPositions });
        WriteJson(folder, "config.json", spec.ConfigJson());
        WriteJson(folder, "sentence_bert_config.json", new Dictionary<string, object> { ["max_seq_length"] = maxSequenceLength, ["do_lower_case"] = false });
        WriteJson(folder, "modules.json", new object[]
        {
            new Dictionary<string, object> { ["idx"] = 0, ["name"] = "0", ["path"] = "", ["type"] = "sentence_transformers.models.Transformer" },
            new Dictionary<string, object> { ["idx"] = 1, ["name"] = "1", ["path"] = "1_Pooling", ["type"] = "sentence_transformers.models.Pooling" },
            new Dictionary<string, object> { ["idx"] = 2, ["name"] = "2", ["path"] = "2_Normalize", ["type"] = "sentence_transformers.models.Normalize" },
        });
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        Directory.CreateDirectory(Path.Combine(folder, "2_Normalize"));
        WriteJson(Path.Combine(folder, "1_Pooling"), "config.json", new Dictionary<string, object> { ["word_embedding_dimension"] = spec.Hidden, ["pooling_mode_cls_token"] = false, ["pooling_mode_mean_tokens"] = true, ["pooling_mode_max_tokens"] = false });
        var encoder = new BertEncoder(spec);
        encoder.WriteOnnx(Path.Combine(folder, "model.onnx"), fp16: false);
        encoder.WriteOnnx(Path.Combine(folder, "model_fp16.onnx"), fp16: true);
    }

    /// <summary>
    /// Texts with the length mix of database records: 60 % short (4-40 words), 30 % medium (40-160), 10 % long
    /// (160-450, cut at the model's maximum length).
    /// </summary>
    public static string[] Texts(int count, IReadOnlyList<string> words, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var roll = random.NextDouble();
            var length = roll < 0.6 ? random.Next(4, 40) : roll < 0.9 ? random.Next(40, 160) : random.Next(160, 450);
            return string.Join(' ', Enumerable.Range(0, length).Select(_ => words[random.Next(words.Count)]));
        }).ToArray();
    }

    private static void WriteJson(string folder, string name, object value)
        => File.WriteAllText(Path.Combine(folder, name), JsonSerializer.Serialize(value));
}
