using System.Text;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;

namespace EngramBulkLoad.Embedding.Service.Tokenization;

/// <summary>
/// One model's tokenizer: Hugging Face's own Rust library (through Tokenizers.DotNet) running the
/// model's tokenizer.json, so normalization, pre-tokenization, the model and the special tokens are
/// exactly what sentence-transformers feeds the model. Truncation is done here, the way Hugging Face
/// truncates a single sequence: content tokens are cut at the end, the special tokens the post-processor
/// adds stay, and the text is reported as truncated.
/// </summary>
internal sealed class TextTokenizer : IDisposable
{
    private readonly HfTokenizer _inner;

    public TextTokenizer(HfTokenizer inner, TokenizerLayout layout)
    {
        _inner = inner;
        Layout = layout;
    }

    /// <summary>"wordpiece", "bpe", "unigram" or "wordlevel": the model type tokenizer.json declares.</summary>
    public string Kind => Layout.Kind;

    /// <summary>What the post-processor adds and which id pads.</summary>
    public TokenizerLayout Layout { get; }

    /// <summary>[CLS] or &lt;s&gt;; -1 when the post-processor adds nothing in front.</summary>
    public int StartId => Layout.StartId;

    /// <summary>[SEP] or &lt;/s&gt;; -1 when the post-processor adds nothing at the end.</summary>
    public int EndId => Layout.EndId;

    /// <summary>The id padding positions carry (they are masked out, but some exports still read them).</summary>
    public int PadId => Layout.PadId;

    /// <summary>Tokenizes <paramref name="text"/> to at most <paramref name="maxLength"/> ids, special tokens included.</summary>
    public TokenizedText Encode(string text, int maxLength)
    {
        // The native library refuses text that is not valid UTF-16; Node's and Python's bindings see
        // such text as U+FFFD, so a lone surrogate becomes that here too.
        var all = _inner.Encode(ReplaceLoneSurrogates(text));
        if (all.Length <= maxLength)
        {
            return new TokenizedText(ToInt(all, 0, all.Length, [], []), Truncated: false);
        }

        var lead = Layout.Leading;
        var trail = Layout.Trailing;
        var keep = Math.Max(0, maxLength - lead - trail);
        var head = all.AsSpan(0, lead);
        var tail = all.AsSpan(all.Length - trail, trail);
        return new TokenizedText(ToInt(all, lead, keep, head, tail), Truncated: true);
    }

    private static int[] ToInt(uint[] all, int start, int count, ReadOnlySpan<uint> head, ReadOnlySpan<uint> tail)
    {
        var ids = new int[head.Length + count + tail.Length];
        var at = 0;
        foreach (var id in head)
        {
            ids[at++] = (int)id;
        }

        for (var i = 0; i < count; i++)
        {
            ids[at++] = (int)all[start + i];
        }

        foreach (var id in tail)
        {
            ids[at++] = (int)id;
        }

        return ids;
    }

    internal static string ReplaceLoneSurrogates(string text)
    {
        var index = IndexOfLoneSurrogate(text);
        if (index < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var rune in EnumerateLenient(text))
        {
            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }

    private static int IndexOfLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    private static IEnumerable<Rune> EnumerateLenient(string text)
    {
        var at = 0;
        while (at < text.Length)
        {
            // DecodeFromUtf16 yields U+FFFD for an invalid sequence and says how much it consumed.
            Rune.DecodeFromUtf16(text.AsSpan(at), out var rune, out var consumed);
            yield return rune;
            at += consumed;
        }
    }

    public void Dispose() => _inner.Dispose();
}
