using Microsoft.ML.Tokenizers;

namespace EngramBulkLoad.Embedding.Service.Tokenization;

/// <summary>
/// One model's tokenizer, in the shape every loaded model needs: content tokens from
/// Microsoft.ML.Tokenizers, cut to fit, then the model's start and end tokens around them, as Hugging Face
/// tokenizers do for a single sequence (truncation removes content, never the special tokens).
/// </summary>
internal sealed class TextTokenizer
{
    private readonly Tokenizer _inner;
    private readonly Func<int, int> _mapId;

    public TextTokenizer(string kind, Tokenizer inner, int startId, int endId, int padId, Func<int, int>? mapId = null)
    {
        Kind = kind;
        _inner = inner;
        StartId = startId;
        EndId = endId;
        PadId = padId;
        _mapId = mapId ?? (id => id);
    }

    /// <summary>"wordpiece", "bpe" or "sentencepiece".</summary>
    public string Kind { get; }

    /// <summary>[CLS] or &lt;s&gt;.</summary>
    public int StartId { get; }

    /// <summary>[SEP] or &lt;/s&gt;.</summary>
    public int EndId { get; }

    /// <summary>The id padding positions carry (they are masked out, but some exports still read them).</summary>
    public int PadId { get; }

    /// <summary>Tokenizes <paramref name="text"/> to at most <paramref name="maxLength"/> ids, special tokens included.</summary>
    public TokenizedText Encode(string text, int maxLength)
    {
        var maxContent = maxLength - 2;
        // Asking for one token more than fits tells whether the text was cut, without tokenizing all of a huge text.
        var content = _inner is BertTokenizer bert
            ? bert.EncodeToIds(text, maxContent + 1, addSpecialTokens: false, out _, out _)
            : _inner.EncodeToIds(text, maxContent + 1, out _, out _);
        var truncated = content.Count > maxContent;
        var kept = Math.Min(content.Count, maxContent);
        var ids = new int[kept + 2];
        ids[0] = StartId;
        for (var i = 0; i < kept; i++)
        {
            ids[i + 1] = _mapId(content[i]);
        }

        ids[^1] = EndId;
        return new TokenizedText(ids, truncated);
    }
}
