namespace EngramBulkLoad.Embedding.Service.Tokenization;

/// <summary>
/// What sentence-transformers does to a text before its tokenizer sees it (SentenceTransformer.encode
/// and models/Transformer.py's tokenize): the prompt in front, white space stripped at both ends
/// (Python's str.strip), and lower-casing when sentence_bert_config.json says do_lower_case.
/// </summary>
/// <param name="Prompt">Put in front of every text; empty for none.</param>
/// <param name="LowerCase">Lower-case the text (Python's str.lower).</param>
internal sealed record TextPreparation(string Prompt, bool LowerCase)
{
    public string Prepare(string text)
    {
        var prepared = StripPython(Prompt.Length == 0 ? text : Prompt + text);
        // .NET's invariant lower-casing is Unicode's simple case mapping; Python's str.lower() uses the full
        // mapping, which differs only for 'İ' (U+0130, which Python lowers to "i" + U+0307).
        return LowerCase ? prepared.Replace("\u0130", "i\u0307", StringComparison.Ordinal).ToLowerInvariant() : prepared;
    }

    /// <summary>Python's str.strip(): its white space is .NET's plus U+001C..U+001F (file, group, record and unit separators).</summary>
    internal static string StripPython(string text)
    {
        static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';
        var start = 0;
        var end = text.Length;
        while (start < end && IsSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsSpace(text[end - 1]))
        {
            end--;
        }

        return start == 0 && end == text.Length ? text : text[start..end];
    }
}
