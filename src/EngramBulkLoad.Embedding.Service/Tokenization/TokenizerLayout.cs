using System.Text.Json.Nodes;

namespace EngramBulkLoad.Embedding.Service.Tokenization;

/// <summary>
/// What a tokenizer.json's post-processor puts around a single sequence, read from the file, so
/// truncation can cut content and keep the special tokens as Hugging Face does.
/// </summary>
/// <param name="Kind">The model type in lower case: "wordpiece", "bpe", "unigram", "wordlevel".</param>
/// <param name="Leading">Special tokens before the text (1 for [CLS] or &lt;s&gt;).</param>
/// <param name="Trailing">Special tokens after the text (1 for [SEP] or &lt;/s&gt;).</param>
/// <param name="StartId">The first leading special token, or -1.</param>
/// <param name="EndId">The last trailing special token, or -1.</param>
/// <param name="PadId">The padding id: tokenizer.json's padding.pad_id, else the pad token's id, else 0.</param>
internal sealed record TokenizerLayout(string Kind, int Leading, int Trailing, int StartId, int EndId, int PadId)
{
    /// <summary>Reads the layout; throws <see cref="FormatException"/> naming what it could not understand.</summary>
    public static TokenizerLayout Read(JsonObject tokenizer)
    {
        var kind = tokenizer["model"]?["type"]?.GetValue<string>()?.ToLowerInvariant()
            ?? throw new FormatException("it has no model.type (WordPiece, BPE, Unigram or WordLevel)");
        var lead = new List<int>();
        var trail = new List<int>();
        AddSpecials(tokenizer["post_processor"], lead, trail);
        return new TokenizerLayout(kind, lead.Count, trail.Count, lead.Count > 0 ? lead[0] : -1, trail.Count > 0 ? trail[^1] : -1, ReadPadId(tokenizer));
    }

    private static void AddSpecials(JsonNode? processor, List<int> lead, List<int> trail)
    {
        if (processor is null)
        {
            return;
        }

        var type = processor["type"]?.GetValue<string>();
        switch (type)
        {
            // BertProcessing and RobertaProcessing: cls and sep as ["token", id].
            case "BertProcessing" or "RobertaProcessing":
                lead.Add(processor["cls"]![1]!.GetValue<int>());
                trail.Add(processor["sep"]![1]!.GetValue<int>());
                break;
            case "TemplateProcessing":
                var beforeSequence = true;
                foreach (var piece in processor["single"]!.AsArray())
                {
                    if (piece?["Sequence"] is not null)
                    {
                        beforeSequence = false;
                        continue;
                    }

                    var name = piece?["SpecialToken"]?["id"]?.GetValue<string>()
                        ?? throw new FormatException("post_processor.single has an entry that is neither Sequence nor SpecialToken");
                    var ids = processor["special_tokens"]?[name]?["ids"]?.AsArray()
                        ?? throw new FormatException($"post_processor.special_tokens has no ids for '{name}'");
                    (beforeSequence ? lead : trail).AddRange(ids.Select(id => id!.GetValue<int>()));
                }

                break;
            case "Sequence":
                foreach (var inner in processor["processors"]!.AsArray())
                {
                    AddSpecials(inner, lead, trail);
                }

                break;
            case "ByteLevel":
                break;
            default:
                throw new FormatException($"its post_processor type '{type}' is not one this service knows (BertProcessing, RobertaProcessing, TemplateProcessing, ByteLevel, Sequence)");
        }
    }

    private static int ReadPadId(JsonObject tokenizer)
    {
        if (tokenizer["padding"]?["pad_id"] is JsonValue padId)
        {
            return padId.GetValue<int>();
        }

        foreach (var name in new[] { "[PAD]", "<pad>" })
        {
            foreach (var added in tokenizer["added_tokens"]?.AsArray() ?? [])
            {
                if (added?["content"]?.GetValue<string>() == name)
                {
                    return added["id"]!.GetValue<int>();
                }
            }

            if (tokenizer["model"]?["vocab"] is JsonObject vocab && vocab[name] is JsonValue id)
            {
                return id.GetValue<int>();
            }
        }

        return 0;
    }
}
