using System.Text.Json;
using System.Text.Json.Nodes;

namespace EngramBulkLoad.Embedding.Service.Tokenization;

/// <summary>
/// Writes the tokenizer.json that Hugging Face transformers builds for folders that have only the
/// "slow" tokenizer files, following its converters (convert_slow_tokenizer.py: BertConverter and
/// MPNetConverter for vocab.txt, RobertaConverter for vocab.json with merges.txt), so such a folder
/// tokenizes as AutoTokenizer (and so sentence-transformers) tokenizes it.
/// </summary>
internal static class TokenizerJsonBuilder
{
    /// <summary>Special token names of a WordPiece folder (BERT's [CLS]/[SEP] or MPNet's &lt;s&gt;/&lt;/s&gt;).</summary>
    public sealed record WordPieceSettings(bool LowerCase, bool? StripAccents, bool TokenizeChineseChars, string Cls, string Sep, string Unk, string Pad, string Mask, bool MaskStripsLeft);

    /// <summary>Special token names of a byte-level BPE folder.</summary>
    public sealed record ByteLevelSettings(bool AddPrefixSpace, string Bos, string Eos, string Unk, string Pad, string Mask);

    /// <summary>vocab.txt as transformers reads it (load_vocab: one token per line, the line number is the id; a repeated token keeps its last line).</summary>
    public static JsonObject WordPiece(string vocabFile, WordPieceSettings settings)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var line in File.ReadLines(vocabFile))
        {
            vocab[line] = index++;
        }

        var cls = Id(vocab, settings.Cls, "vocab.txt");
        var sep = Id(vocab, settings.Sep, "vocab.txt");
        Id(vocab, settings.Unk, "vocab.txt");
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = AddedTokens(vocab, [settings.Pad, settings.Unk, settings.Cls, settings.Sep, settings.Mask], settings.MaskStripsLeft ? settings.Mask : null),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer",
                ["clean_text"] = true,
                ["handle_chinese_chars"] = settings.TokenizeChineseChars,
                ["strip_accents"] = settings.StripAccents,
                ["lowercase"] = settings.LowerCase,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = Template(settings.Cls, cls, settings.Sep, sep),
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece",
                ["unk_token"] = settings.Unk,
                ["continuing_subword_prefix"] = "##",
                ["max_input_chars_per_word"] = 100,
                ["vocab"] = ToNode(vocab),
            },
        };
    }

    /// <summary>vocab.json with merges.txt (its "#version" line skipped), RoBERTa's byte-level BPE.</summary>
    public static JsonObject ByteLevelBpe(string vocabFile, string mergesFile, ByteLevelSettings settings)
    {
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabFile))
            ?? throw new FormatException("vocab.json is not a JSON object of token to id");
        var merges = new JsonArray();
        foreach (var line in File.ReadLines(mergesFile))
        {
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }

            merges.Add(line);
        }

        var bos = Id(vocab, settings.Bos, "vocab.json");
        var eos = Id(vocab, settings.Eos, "vocab.json");
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = AddedTokens(vocab, [settings.Bos, settings.Pad, settings.Eos, settings.Unk, settings.Mask], settings.Mask),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = settings.AddPrefixSpace, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "RobertaProcessing",
                ["sep"] = new JsonArray(settings.Eos, eos),
                ["cls"] = new JsonArray(settings.Bos, bos),
                ["trim_offsets"] = true,
                ["add_prefix_space"] = settings.AddPrefixSpace,
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = string.Empty,
                ["end_of_word_suffix"] = string.Empty,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["vocab"] = ToNode(vocab),
                ["merges"] = merges,
            },
        };
    }

    private static int Id(Dictionary<string, int> vocab, string token, string file)
        => vocab.TryGetValue(token, out var id) ? id : throw new FormatException($"the special token '{token}' is not in {file}");

    /// <summary>
    /// The special tokens as transformers adds them (add_special_tokens): a token in the vocabulary keeps its
    /// id; one that is not gets the next free id, in the order given.
    /// </summary>
    private static JsonArray AddedTokens(Dictionary<string, int> vocab, string[] specials, string? stripsLeft)
    {
        var next = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in specials)
        {
            if (!ids.ContainsKey(token))
            {
                ids[token] = vocab.TryGetValue(token, out var id) ? id : next++;
            }
        }

        var added = new JsonArray();
        foreach (var (token, id) in ids.OrderBy(p => p.Value))
        {
            added.Add(new JsonObject
            {
                ["id"] = id,
                ["content"] = token,
                ["single_word"] = false,
                ["lstrip"] = token == stripsLeft,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }

        return added;
    }

    private static JsonObject Template(string cls, int clsId, string sep, int sepId)
    {
        JsonObject Special(string id) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };
        JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        JsonObject Token(string token, int id) => new() { ["id"] = token, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(token) };
        var specials = new JsonObject { [cls] = Token(cls, clsId) };
        specials[sep] = Token(sep, sepId);
        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(Special(cls), Sequence("A", 0), Special(sep)),
            ["pair"] = new JsonArray(Special(cls), Sequence("A", 0), Special(sep), Sequence("B", 1), Special(sep)),
            ["special_tokens"] = specials,
        };
    }

    private static JsonObject ToNode(Dictionary<string, int> vocab)
    {
        var node = new JsonObject();
        foreach (var (token, id) in vocab)
        {
            node[token] = id;
        }

        return node;
    }
}
