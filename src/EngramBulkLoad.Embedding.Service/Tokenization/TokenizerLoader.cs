using System.Text.RegularExpressions;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Errors;
using Microsoft.ML.Tokenizers;

namespace EngramBulkLoad.Embedding.Service.Tokenization;

/// <summary>
/// Builds a model's tokenizer from the files in its folder, choosing the kind from what is there:
/// a SentencePiece model (XLM-R style, e.g. paraphrase-multilingual-mpnet-base-v2), vocab.json with
/// merges.txt (byte-level BPE, RoBERTa style, e.g. codebert-base), or vocab.txt (WordPiece, e.g.
/// all-mpnet-base-v2 and scibert). tokenizer.json alone is not enough: Microsoft.ML.Tokenizers 2.0 does not read it.
/// </summary>
internal static partial class TokenizerLoader
{
    private static readonly string[] SentencePieceFiles = ["sentencepiece.bpe.model", "spiece.model", "tokenizer.model"];

    public static TextTokenizer Load(ModelFolder folder)
    {
        var tokenizerClass = folder.TokenizerSetting("tokenizer_class") ?? string.Empty;
        var sentencePiece = SentencePieceFiles.Select(folder.File).FirstOrDefault(f => f is not null);
        var vocabTxt = folder.File("vocab.txt");
        var vocabJson = folder.File("vocab.json");
        var merges = folder.File("merges.txt");
        try
        {
            if (sentencePiece is not null && vocabTxt is null)
            {
                return LoadSentencePiece(folder, sentencePiece, tokenizerClass);
            }

            if (vocabJson is not null && merges is not null)
            {
                return LoadByteLevelBpe(folder, vocabJson, merges);
            }

            if (vocabTxt is not null)
            {
                return LoadWordPiece(folder, vocabTxt);
            }
        }
        catch (Exception ex) when (ex is not BulkLoadException)
        {
            throw ErrorFactory.Config("EmbeddingService:Models", $"the tokenizer files of '{folder.Path}' could not be read: {ex.Message}", "Copy them unchanged from the model's repository.");
        }

        throw ErrorFactory.Config(
            "EmbeddingService:Models",
            $"model folder '{folder.Path}' has no tokenizer files this service can read.",
            "Add vocab.txt (WordPiece), vocab.json with merges.txt (BPE), or sentencepiece.bpe.model (SentencePiece) from the model's repository; tokenizer.json alone is not supported.");
    }

    private static TextTokenizer LoadWordPiece(ModelFolder folder, string vocabFile)
    {
        var lowerCase = folder.TokenizerFlag("do_lower_case") ?? true;
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            // Hugging Face strips accents whenever it lower-cases, unless strip_accents says otherwise.
            RemoveNonSpacingMarks = folder.TokenizerFlag("strip_accents") ?? lowerCase,
            IndividuallyTokenizeCjk = folder.TokenizerFlag("tokenize_chinese_chars") ?? true,
            ApplyBasicTokenization = true,
            ClassificationToken = folder.TokenizerSetting("cls_token") ?? "[CLS]",
            SeparatorToken = folder.TokenizerSetting("sep_token") ?? "[SEP]",
            PaddingToken = folder.TokenizerSetting("pad_token") ?? "[PAD]",
            UnknownToken = folder.TokenizerSetting("unk_token") ?? "[UNK]",
            MaskingToken = folder.TokenizerSetting("mask_token") ?? "[MASK]",
        };
        var bert = BertTokenizer.Create(vocabFile, options);
        return new TextTokenizer("wordpiece", bert, bert.ClassificationTokenId, bert.SeparatorTokenId, bert.PaddingTokenId);
    }

    private static TextTokenizer LoadByteLevelBpe(ModelFolder folder, string vocabFile, string mergesFile)
    {
        var bos = folder.TokenizerSetting("bos_token") ?? folder.TokenizerSetting("cls_token") ?? "<s>";
        var eos = folder.TokenizerSetting("eos_token") ?? folder.TokenizerSetting("sep_token") ?? "</s>";
        var pad = folder.TokenizerSetting("pad_token") ?? "<pad>";
        var unk = folder.TokenizerSetting("unk_token") ?? "<unk>";
        var options = new BpeOptions(vocabFile, mergesFile)
        {
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(Gpt2Split(), specialTokens: null),
            UnknownToken = unk,
        };
        var bpe = BpeTokenizer.Create(options);
        return new TextTokenizer("bpe", bpe, Require(bpe, bos, folder), Require(bpe, eos, folder), Require(bpe, pad, folder));
    }

    private static TextTokenizer LoadSentencePiece(ModelFolder folder, string modelFile, string tokenizerClass)
    {
        SentencePieceTokenizer sp;
        using (var stream = File.OpenRead(modelFile))
        {
            sp = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }

        var fairseq = tokenizerClass.Contains("XLMRoberta", StringComparison.OrdinalIgnoreCase)
            || Path.GetFileName(modelFile) == "sentencepiece.bpe.model";
        if (fairseq)
        {
            // XLM-R's vocabulary is fairseq's: <s>=0 <pad>=1 </s>=2 <unk>=3, then every SentencePiece id
            // shifted by one; SentencePiece's own unknown id becomes 3.
            var unknownPiece = sp.UnknownId;
            return new TextTokenizer("sentencepiece", sp, startId: 0, endId: 2, padId: 1, mapId: id => id == unknownPiece ? 3 : id + 1);
        }

        return new TextTokenizer("sentencepiece", sp, sp.BeginningOfSentenceId, sp.EndOfSentenceId, padId: 0);
    }

    private static int Require(BpeTokenizer bpe, string token, ModelFolder folder)
        => bpe.Vocabulary.TryGetValue(token, out var id)
            ? id
            : throw ErrorFactory.Config("EmbeddingService:Models", $"special token '{token}' is not in '{folder.Path}/vocab.json'.", "Check tokenizer_config.json against the vocabulary.");

    // GPT-2's pre-tokenization, which RoBERTa-style byte-level BPE expects: contractions, letters,
    // digits and other symbols each with their leading space, and runs of white space.
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Split();
}
