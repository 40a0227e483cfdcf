using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Errors;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;
using HfTokenizerException = Tokenizers.DotNet.TokenizerException;

namespace EngramBulkLoad.Embedding.Service.Tokenization;

/// <summary>
/// Builds a model's tokenizer from its folder. tokenizer.json is read as it is (every family Hugging Face
/// knows: WordPiece, byte-level BPE, Unigram, with their normalizers, pre-tokenizers and post-processors).
/// A folder without it is converted as transformers converts it: vocab.txt (BERT, MPNet) with
/// tokenizer_config.json, or vocab.json with merges.txt (RoBERTa). A SentencePiece model alone is not
/// converted (its normalization table lives in the protobuf); the error asks for tokenizer.json.
/// </summary>
internal static class TokenizerLoader
{
    private const string Setting = "EmbeddingService:Models";
    private static readonly string[] SentencePieceFiles = ["sentencepiece.bpe.model", "spiece.model", "tokenizer.model"];

    public static TextTokenizer Load(ModelFolder folder)
    {
        var (document, source) = ReadOrBuild(folder);
        TokenizerLayout layout;
        try
        {
            layout = TokenizerLayout.Read(document);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or NullReferenceException or IndexOutOfRangeException)
        {
            throw ErrorFactory.Config(Setting, $"'{source}' could not be understood: {ex.Message}.", "Copy tokenizer.json unchanged from the model's repository (AutoTokenizer.save_pretrained writes it).");
        }

        // Truncation and padding are the service's (max sequence length, batching); the rest is the file's.
        document["truncation"] = null;
        document["padding"] = null;
        return new TextTokenizer(Open(document, source), layout);
    }

    private static (JsonObject Document, string Source) ReadOrBuild(ModelFolder folder)
    {
        if (folder.File("tokenizer.json") is { } tokenizerJson)
        {
            return (ParseObject(tokenizerJson), tokenizerJson);
        }

        var vocabTxt = folder.File("vocab.txt");
        var vocabJson = folder.File("vocab.json");
        var merges = folder.File("merges.txt");
        try
        {
            if (vocabTxt is not null)
            {
                return (TokenizerJsonBuilder.WordPiece(vocabTxt, WordPieceSettings(folder)), vocabTxt);
            }

            if (vocabJson is not null && merges is not null)
            {
                return (TokenizerJsonBuilder.ByteLevelBpe(vocabJson, merges, ByteLevelSettings(folder)), vocabJson);
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException or IOException)
        {
            throw ErrorFactory.Config(Setting, $"the tokenizer files of '{folder.Path}' could not be read: {ex.Message}.", "Copy them unchanged from the model's repository, or add its tokenizer.json.");
        }

        if (SentencePieceFiles.Select(folder.File).FirstOrDefault(f => f is not null) is { } sentencePiece)
        {
            throw ErrorFactory.Config(Setting, $"model folder '{folder.Path}' has '{Path.GetFileName(sentencePiece)}' but no tokenizer.json.", "Add the model's tokenizer.json (it is in the model's repository; AutoTokenizer.from_pretrained(...).save_pretrained(folder) writes it).");
        }

        throw ErrorFactory.Config(
            Setting,
            $"model folder '{folder.Path}' has no tokenizer files: tokenizer.json, vocab.txt, or vocab.json with merges.txt was expected.",
            "Copy tokenizer.json (and tokenizer_config.json) from the model's repository into the folder.");
    }

    private static TokenizerJsonBuilder.WordPieceSettings WordPieceSettings(ModelFolder folder)
    {
        // transformers' BertTokenizer defaults to lower-casing; a folder that does not say is as likely
        // a cased model, whose every capital would be lost, so the setting is asked for instead of guessed.
        var lowerCase = folder.TokenizerFlag("do_lower_case")
            ?? throw ErrorFactory.Config(
                Setting,
                folder.TokenizerConfig.ValueKind == JsonValueKind.Undefined
                    ? $"model folder '{folder.Path}' has vocab.txt but no tokenizer_config.json, so whether the model is cased is unknown."
                    : $"'{folder.Path}/tokenizer_config.json' does not say do_lower_case, so whether the model is cased is unknown.",
                "Copy tokenizer_config.json from the model's repository, or write {\"do_lower_case\": true} (uncased models) or false (cased), or add tokenizer.json.");
        var mpnet = (folder.TokenizerSetting("tokenizer_class") ?? string.Empty).Contains("MPNet", StringComparison.OrdinalIgnoreCase);
        return new TokenizerJsonBuilder.WordPieceSettings(
            lowerCase,
            folder.TokenizerFlag("strip_accents"),
            folder.TokenizerFlag("tokenize_chinese_chars") ?? true,
            folder.TokenizerSetting("cls_token") ?? (mpnet ? "<s>" : "[CLS]"),
            folder.TokenizerSetting("sep_token") ?? (mpnet ? "</s>" : "[SEP]"),
            folder.TokenizerSetting("unk_token") ?? "[UNK]",
            folder.TokenizerSetting("pad_token") ?? (mpnet ? "<pad>" : "[PAD]"),
            folder.TokenizerSetting("mask_token") ?? (mpnet ? "<mask>" : "[MASK]"),
            MaskStripsLeft: mpnet);
    }

    private static TokenizerJsonBuilder.ByteLevelSettings ByteLevelSettings(ModelFolder folder)
        => new(
            folder.TokenizerFlag("add_prefix_space") ?? false,
            folder.TokenizerSetting("bos_token") ?? folder.TokenizerSetting("cls_token") ?? "<s>",
            folder.TokenizerSetting("eos_token") ?? folder.TokenizerSetting("sep_token") ?? "</s>",
            folder.TokenizerSetting("unk_token") ?? "<unk>",
            folder.TokenizerSetting("pad_token") ?? "<pad>",
            folder.TokenizerSetting("mask_token") ?? "<mask>");

    private static JsonObject ParseObject(string file)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(file)) as JsonObject
                ?? throw ErrorFactory.Config(Setting, $"'{file}' is not a JSON object.", "Copy tokenizer.json unchanged from the model's repository.");
        }
        catch (JsonException ex)
        {
            throw ErrorFactory.Config(Setting, $"'{file}' is not valid JSON: {ex.Message}", "Copy tokenizer.json unchanged from the model's repository.");
        }
    }

    /// <summary>The native library loads from a path only, so the adjusted file goes through a private temporary file.</summary>
    private static HfTokenizer Open(JsonObject document, string source)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ebl-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(file, document.ToJsonString());
            return new HfTokenizer(file);
        }
        catch (HfTokenizerException ex)
        {
            throw ErrorFactory.Config(Setting, $"Hugging Face tokenizers refused '{source}': {ex.Message}", "Copy tokenizer.json unchanged from the model's repository; files written by tokenizers 0.14 or later are read.");
        }
        catch (DllNotFoundException ex)
        {
            throw ErrorFactory.Config(Setting, $"the native Hugging Face tokenizers library (libhf_tokenizers.so) could not be loaded: {ex.Message}", "Run on linux-x64 with glibc (the service image does); the library ships in the Tokenizers.DotNet.runtime.linux-x64 package.");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
