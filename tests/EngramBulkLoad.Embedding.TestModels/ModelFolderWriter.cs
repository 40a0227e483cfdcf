using System.Text;
using System.Text.Json;
using EngramBulkLoad.Embedding.TestModels.SentencePiece;
using Google.Protobuf;

namespace EngramBulkLoad.Embedding.TestModels;

/// <summary>Which tokenizer family a test model folder uses.</summary>
public enum TokenizerFamily
{
    /// <summary>vocab.txt with MPNet's special tokens (&lt;s&gt; &lt;/s&gt;), like all-mpnet-base-v2; no token types.</summary>
    WordPieceMpnet,

    /// <summary>vocab.txt with BERT's special tokens ([CLS] [SEP]), like scibert; with token types.</summary>
    WordPieceBert,

    /// <summary>vocab.json + merges.txt, byte-level BPE, like codebert-base (RoBERTa).</summary>
    ByteLevelBpe,

    /// <summary>sentencepiece.bpe.model (a Unigram model) with fairseq ids, like paraphrase-multilingual-mpnet-base-v2 (XLM-R).</summary>
    SentencePieceXlmr,
}

/// <summary>A written model folder: its path, the encoder behind it, and the ids its tokenizer should give.</summary>
/// <param name="Path">The folder.</param>
/// <param name="Encoder">The model, for reference vectors.</param>
/// <param name="Vocabulary">Token (as the tokenizer spells it) to model id.</param>
public sealed record TestModelFolder(string Path, TinyEncoder Encoder, IReadOnlyDictionary<string, int> Vocabulary);

/// <summary>
/// Writes Hugging Face style model folders: an ONNX export plus config.json, tokenizer_config.json,
/// sentence_bert_config.json and the tokenizer files of one family.
/// </summary>
public static class ModelFolderWriter
{
    /// <summary>The words every test vocabulary holds, so tests can write texts the tokenizers know.</summary>
    public static readonly IReadOnlyList<string> Words =
    [
        "hello", "world", "the", "quick", "brown", "fox", "jump", "over", "lazy", "dog", "graph", "memory",
        "engram", "vector", "embedding", "database", "record", "text", "model", "token",
    ];

    public static TestModelFolder Write(string path, TokenizerFamily family, int hidden = 16, int layers = 2, int maxSequenceLength = 32, bool onnxInSubfolder = false, string outputName = "last_hidden_state", IReadOnlyList<string>? extraWords = null, int seed = 7)
    {
        Directory.CreateDirectory(path);
        var words = extraWords is null ? Words : [.. Words, .. extraWords];
        var vocabulary = family switch
        {
            TokenizerFamily.WordPieceMpnet => WriteWordPiece(path, words, mpnet: true),
            TokenizerFamily.WordPieceBert => WriteWordPiece(path, words, mpnet: false),
            TokenizerFamily.ByteLevelBpe => WriteByteLevelBpe(path),
            TokenizerFamily.SentencePieceXlmr => WriteSentencePiece(path),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };
        var spec = new EncoderSpec(vocabulary.Values.Max() + 1, hidden, layers, HasTokenTypes: family == TokenizerFamily.WordPieceBert, outputName, seed);
        var encoder = new TinyEncoder(spec);
        encoder.WriteOnnx(onnxInSubfolder ? System.IO.Path.Combine(path, "onnx", "model.onnx") : System.IO.Path.Combine(path, "model.onnx"));
        WriteJson(path, "config.json", new Dictionary<string, object>
        {
            ["model_type"] = family switch { TokenizerFamily.WordPieceBert => "bert", TokenizerFamily.ByteLevelBpe => "roberta", TokenizerFamily.SentencePieceXlmr => "xlm-roberta", _ => "mpnet" },
            ["hidden_size"] = hidden,
            ["max_position_embeddings"] = 514,
        });
        WriteJson(path, "sentence_bert_config.json", new Dictionary<string, object> { ["max_seq_length"] = maxSequenceLength, ["do_lower_case"] = false });
        return new TestModelFolder(path, encoder, vocabulary);
    }

    private static Dictionary<string, int> WriteWordPiece(string path, IReadOnlyList<string> words, bool mpnet)
    {
        string[] specials = mpnet ? ["<s>", "<pad>", "</s>", "<unk>"] : ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
        string[] pieces = ["##s", "##ed", "##ing", ",", ".", "!", "?"];
        var tokens = specials.Concat(words).Concat(pieces).Concat(mpnet ? ["<mask>"] : []).Distinct().ToList();
        File.WriteAllLines(System.IO.Path.Combine(path, "vocab.txt"), tokens);
        var config = mpnet
            ? new Dictionary<string, object> { ["tokenizer_class"] = "MPNetTokenizer", ["do_lower_case"] = true, ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["cls_token"] = "<s>", ["sep_token"] = "</s>", ["pad_token"] = "<pad>", ["unk_token"] = "<unk>", ["mask_token"] = "<mask>", ["model_max_length"] = 512 }
            : new Dictionary<string, object> { ["tokenizer_class"] = "BertTokenizer", ["do_lower_case"] = true, ["model_max_length"] = 512 };
        WriteJson(path, "tokenizer_config.json", config);
        return tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
    }

    private static Dictionary<string, int> WriteByteLevelBpe(string path)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal) { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        foreach (var symbol in ByteSymbols())
        {
            vocabulary.TryAdd(symbol, vocabulary.Count);
        }

        // Each word is merged left to right; "Ġ" is GPT-2's symbol for a leading space.
        var merges = new List<string>();
        void Chain(string word)
        {
            var symbols = word.EnumerateRunes().Select(r => r.ToString()).ToList();
            var current = symbols[0];
            foreach (var next in symbols.Skip(1))
            {
                merges.Add(current + " " + next);
                current += next;
                vocabulary.TryAdd(current, vocabulary.Count);
            }
        }

        Chain("hello");
        Chain("Ġworld");
        merges.Add("Ġ hello");
        vocabulary.TryAdd("Ġhello", vocabulary.Count);
        File.WriteAllText(System.IO.Path.Combine(path, "vocab.json"), JsonSerializer.Serialize(vocabulary));
        File.WriteAllLines(System.IO.Path.Combine(path, "merges.txt"), ["#version: 0.2", .. merges]);
        WriteJson(path, "tokenizer_config.json", new Dictionary<string, object> { ["tokenizer_class"] = "RobertaTokenizer", ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["pad_token"] = "<pad>", ["unk_token"] = "<unk>", ["model_max_length"] = 512 });
        return vocabulary;
    }

    private static Dictionary<string, int> WriteSentencePiece(string path)
    {
        (string Piece, float Score, SentencePieceModel.Types.Piece.Types.Type Type)[] pieces =
        [
            ("<unk>", 0, SentencePieceModel.Types.Piece.Types.Type.Unknown),
            ("<s>", 0, SentencePieceModel.Types.Piece.Types.Type.Control),
            ("</s>", 0, SentencePieceModel.Types.Piece.Types.Type.Control),
            ("\u2581hello", -1, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("\u2581world", -1, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("\u2581", -2, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("\u2581he", -2.5f, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("llo", -2.5f, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("h", -3, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("e", -3, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("l", -3, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("o", -3, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("w", -3, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("r", -3, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("d", -3, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("\u2581wor", -2.5f, SentencePieceModel.Types.Piece.Types.Type.Normal),
            ("ld", -2.5f, SentencePieceModel.Types.Piece.Types.Type.Normal),
        ];
        var model = new SentencePieceModel
        {
            TrainerSpec = new TrainerSpec { ModelType = TrainerSpec.Types.ModelType.Unigram, VocabSize = pieces.Length, UnkId = 0, BosId = 1, EosId = 2, PadId = -1, ByteFallback = false, UnkPiece = "<unk>", BosPiece = "<s>", EosPiece = "</s>", PadPiece = "<pad>" },
            NormalizerSpec = new NormalizerSpec { Name = "identity", AddDummyPrefix = true, RemoveExtraWhitespaces = true, EscapeWhitespaces = true, PrecompiledCharsmap = ByteString.Empty },
        };
        foreach (var (piece, score, type) in pieces)
        {
            model.Pieces.Add(new SentencePieceModel.Types.Piece { Piece_ = piece, Score = score, Type = type });
        }

        File.WriteAllBytes(System.IO.Path.Combine(path, "sentencepiece.bpe.model"), model.ToByteArray());
        WriteXlmrTokenizerJson(path, pieces.Skip(3).Select(p => (p.Piece, (double)p.Score)).ToList());
        WriteJson(path, "tokenizer_config.json", new Dictionary<string, object> { ["tokenizer_class"] = "XLMRobertaTokenizer", ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["pad_token"] = "<pad>", ["unk_token"] = "<unk>", ["model_max_length"] = 512 });

        // fairseq ids: <s>=0 <pad>=1 </s>=2 <unk>=3, SentencePiece's pieces shifted by one.
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal) { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        for (var i = 3; i < pieces.Length; i++)
        {
            vocabulary[pieces[i].Piece] = i + 1;
        }

        return vocabulary;
    }

    /// <summary>
    /// The tokenizer.json transformers' XLMRobertaConverter writes for such a model: fairseq's four specials
    /// first, then the pieces with their scores (a Unigram model), Metaspace pre-tokenization, &lt;s&gt; $A &lt;/s&gt;.
    /// The model's charsmap is empty (identity), so only the collapsing of repeated spaces stays of its normalizer.
    /// </summary>
    private static void WriteXlmrTokenizerJson(string path, List<(string Piece, double Score)> pieces)
    {
        var vocab = new List<object[]> { new object[] { "<s>", 0.0 }, new object[] { "<pad>", 0.0 }, new object[] { "</s>", 0.0 }, new object[] { "<unk>", 0.0 } };
        vocab.AddRange(pieces.Select(p => new object[] { p.Piece, p.Score }));
        object Added(int id, string content) => new Dictionary<string, object> { ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true };
        object Special(string id) => new Dictionary<string, object> { ["SpecialToken"] = new Dictionary<string, object> { ["id"] = id, ["type_id"] = 0 } };
        object Sequence(string id) => new Dictionary<string, object> { ["Sequence"] = new Dictionary<string, object> { ["id"] = id, ["type_id"] = 0 } };
        object Ids(string token, int id) => new Dictionary<string, object> { ["id"] = token, ["ids"] = new[] { id }, ["tokens"] = new[] { token } };
        WriteJson(path, "tokenizer.json", new Dictionary<string, object>
        {
            ["version"] = "1.0",
            ["added_tokens"] = new[] { Added(0, "<s>"), Added(1, "<pad>"), Added(2, "</s>"), Added(3, "<unk>") },
            ["normalizer"] = new Dictionary<string, object> { ["type"] = "Sequence", ["normalizers"] = new[] { new Dictionary<string, object> { ["type"] = "Replace", ["pattern"] = new Dictionary<string, object> { ["Regex"] = " {2,}" }, ["content"] = " " } } },
            ["pre_tokenizer"] = new Dictionary<string, object> { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "always", ["split"] = true },
            ["post_processor"] = new Dictionary<string, object>
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new[] { Special("<s>"), Sequence("A"), Special("</s>") },
                ["pair"] = new[] { Special("<s>"), Sequence("A"), Special("</s>"), Special("</s>"), Sequence("B"), Special("</s>") },
                ["special_tokens"] = new Dictionary<string, object> { ["<s>"] = Ids("<s>", 0), ["</s>"] = Ids("</s>", 2) },
            },
            ["decoder"] = new Dictionary<string, object> { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "always", ["split"] = true },
            ["model"] = new Dictionary<string, object> { ["type"] = "Unigram", ["unk_id"] = 3, ["vocab"] = vocab, ["byte_fallback"] = false },
        });
    }

    /// <summary>GPT-2's byte-to-symbol table: printable bytes stand for themselves, the others map above U+0100.</summary>
    public static IEnumerable<string> ByteSymbols()
    {
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is (>= 33 and <= 126) or (>= 161 and <= 172) or (>= 174 and <= 255);
            yield return printable ? ((char)b).ToString() : ((char)(256 + shifted++)).ToString();
        }
    }

    private static void WriteJson(string path, string name, Dictionary<string, object> values)
        => File.WriteAllText(System.IO.Path.Combine(path, name), JsonSerializer.Serialize(values), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
}
