using System.Globalization;
using System.Text;

namespace EngramBulkLoad.Embedding.Tests.Reference;

/// <summary>
/// The texts the tokenizers are checked on, written here so every case is visible: accents and other
/// marks, samples of every Unicode general category, scripts (CJK, Hangul, kana, Thai, Arabic, Hebrew,
/// Devanagari, Cyrillic, Greek), emoji sequences, control and zero-width characters, code, URLs, very long
/// texts, and texts whose cut falls inside a word of several pieces. Deterministic (seeded).
/// </summary>
internal static class TokenizerCorpus
{
    public static IReadOnlyList<string> Build(int maxLength)
    {
        var texts = new List<string>();
        texts.AddRange(Fixed);
        texts.AddRange(CategorySamples());
        texts.AddRange(Random(seed: 13, count: 250));
        texts.AddRange(CutInsideWords(maxLength));
        texts.AddRange(LongTexts());
        return texts;
    }

    private static readonly string[] Fixed =
    [
        // Accents, the marks the issue found kept: BERT's uncased models strip them after NFD.
        "façade résumé naïve coöperate Ångström crème brûlée Zürich São Paulo Dvořák Łódź",
        "İstanbul ISTANBUL ıi İi ß ẞ ǅ ﬁ ﬂ Æsir Œuvre",
        "e\u0301 (e + combining acute) vs é; n\u0303 vs ñ; a\u030a vs å",
        "Ｆｕｌｌｗｉｄｔｈ　ｌｅｔｔｅｒｓ and ①②③ and ㎏ ㎞ and ½ ¼",
        // White space and control characters: tab, CR, LF become spaces; others are removed.
        "title\tcolumn\tcolumn\r\nnext line\nlast\rline",
        "{title}\n\n{body}",
        "Quarterly report\n\nRevenue grew 12% year over year.\n\nSee appendix A.",
        "null\0byte bell\u0007 escape\u001b delete\u007f next\u0085line",
        "zero\u200bwidth joiner\u200dand non\u200cjoiner, soft\u00adhyphen, bom\ufeffhere, nbsp\u00a0space",
        "line\u2028separator paragraph\u2029separator ideographic\u3000space",
        "   leading and trailing spaces   ",
        "\t\n\r ",
        string.Empty,
        " ",
        "a",
        // Symbols, math, currency, punctuation.
        "2 + 2 = 4; 3 × 4 ÷ 2 ≠ 5; x² ≤ y³ ∑ ∫ √ ∞ ≈ π",
        "Price: $12.50, €9,99, £7, ¥1000, ₹500, ₿0.001, 100¢",
        "“Smart quotes” ‘single’ «guillemets» — em dash – en dash … ellipsis",
        "Hello, World! How's it going? (fine) [ok] {yes} <no> @user #tag ~tilde ^caret |pipe| \\backslash",
        "snake_case_identifier and SCREAMING_SNAKE and __dunder__ and kebab-case and camelCaseWord",
        "e-mail: first.last+tag@example.co.uk, phone +1 (555) 010-9999",
        "https://example.com/path/to/page?query=1&other=two#fragment and http://localhost:8080/",
        "C:\\Program Files\\App\\app.exe and /usr/local/bin/tool --flag=value",
        "def f(x):\n    return x ** 2  # square\n",
        "SELECT id, name FROM users WHERE created_at >= '2024-01-01' ORDER BY id DESC LIMIT 10;",
        "{\"key\": \"value\", \"list\": [1, 2.5, -3e10, true, null]}",
        "public sealed class Foo<T> where T : IDisposable { private readonly T _x; }",
        "<html><body><p class=\"x\">Hello &amp; welcome</p></body></html>",
        "v1.2.3-beta+build.45 0x1F 0b1010 1e-9 3.14159265358979 1,000,000",
        "2024-11-30T03:15:00Z 12:30 PM 30/11/2024",
        // Scripts.
        "中文文本处理：我爱自然语言处理。",
        "日本語のテキスト：ひらがな、カタカナ、漢字。ｶﾀｶﾅ",
        "한국어 텍스트 처리: 안녕하세요, 세계! ᄀᄁ ㄱㄴ",
        "ภาษาไทยไม่มีช่องว่างระหว่างคำ",
        "العربية: مرحبا بالعالم، كيف حالك؟ ١٢٣",
        "עברית: שלום עולם",
        "हिन्दी: नमस्ते दुनिया",
        "Русский текст: Привет, мир! Ёё",
        "Ελληνικά: Γειά σου Κόσμε, ΣΊΣΥΦΟΣ",
        "Tiếng Việt có dấu: Xin chào thế giới",
        "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐 𝔉𝔯𝔞𝔨𝔱𝔲𝔯 𝟙𝟚𝟛",
        "𠀀𠀁 CJK extension B and 𪜀 and 丂",
        // Emoji: single, ZWJ sequences, skin tones, flags, keycaps, variation selectors.
        "I love it 😀😂🥲 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵 1️⃣ ❤️ ☺︎",
        "🙂text🙃without🙂spaces",
        // Literal special tokens in the text.
        "[CLS] hello [SEP] [MASK] [UNK] [PAD]",
        "<s> hello </s> <mask> <unk> <pad>",
        "<|begin_of_text|>hello<|end_of_text|>",
        // Words that split into many pieces, and one longer than WordPiece's 100-character limit.
        "antidisestablishmentarianism supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
        new string('x', 101) + " short",
        new string('a', 100) + " exactly one hundred",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "The weather is lovely today.",
        "It's so sunny outside!",
        "He drove to the stadium.",
        "don't won't it's we're they've I'm you'll he'd O'Brien rock'n'roll",
        "ALL CAPS TEXT and MiXeD cAsE",
        "repeated     spaces    and\t\ttabs",
        "lone surrogates \ud800 and \udfff here",
    ];

    /// <summary>For every Unicode general category, four code points spread across it, alone and inside words.</summary>
    private static IEnumerable<string> CategorySamples()
    {
        var byCategory = new Dictionary<UnicodeCategory, List<int>>();
        for (var cp = 0; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var category = CharUnicodeInfo.GetUnicodeCategory(cp);
            if (!byCategory.TryGetValue(category, out var list))
            {
                byCategory[category] = list = [];
            }

            list.Add(cp);
        }

        foreach (var (category, points) in byCategory.OrderBy(p => p.Key))
        {
            var samples = Enumerable.Range(0, 4).Select(i => points[(int)((long)points.Count * ((2 * i) + 1) / 8)]).Distinct();
            var text = new StringBuilder($"{category}: ");
            foreach (var cp in samples)
            {
                var s = char.ConvertFromUtf32(cp);
                text.Append(CultureInfo.InvariantCulture, $"a{s}b {s} ");
            }

            yield return text.ToString();
        }
    }

    /// <summary>Random strings over a mix of scripts, symbols, marks, white space and emoji.</summary>
    private static IEnumerable<string> Random(int seed, int count)
    {
        string[] pools =
        [
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            "     \t\n\r",
            ".,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`",
            "àáâãäåçèéêëìíîïñòóôõöùúûüýÿœæøßİı",
            "\u0300\u0301\u0302\u0308\u0327\u0303",
            "中文字符处理日本語한국어",
            "абвгдежзийклмнопрстуфхцчшщъыьэюя",
            "αβγδεζηθικλμνξοπρστυφχψω",
            "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
            "\u200b\u200c\u200d\u00ad\ufeff\u2060",
            "€£¥₹©®™°±×÷≠≤≥∞√∑",
        ];
        string[] emoji = ["😀", "👍🏽", "🇫🇷", "👨‍👩‍👧", "❤️", "𝐁", "𠀀"];
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var length = random.Next(1, 80);
            var text = new StringBuilder(length * 2);
            for (var j = 0; j < length; j++)
            {
                if (random.Next(20) == 0)
                {
                    text.Append(emoji[random.Next(emoji.Length)]);
                    continue;
                }

                var pool = pools[random.Next(pools.Length)];
                text.Append(pool[random.Next(pool.Length)]);
            }

            yield return text.ToString();
        }
    }

    /// <summary>Texts whose cut at <paramref name="maxLength"/> tokens falls at each position inside a word of many pieces.</summary>
    private static IEnumerable<string> CutInsideWords(int maxLength)
    {
        for (var shift = 0; shift < 8; shift++)
        {
            var filler = string.Join(' ', Enumerable.Repeat("the", Math.Max(0, maxLength - 6 - shift)));
            yield return $"{filler} pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism end";
            yield return $"{filler} 😀😂🥲👍🏽 ünïcödé façade";
        }
    }

    private static IEnumerable<string> LongTexts()
    {
        var sentence = "The quick brown fox jumps over the lazy dog near the riverbank, façade résumé 中文 😀. ";
        yield return string.Concat(Enumerable.Repeat(sentence, 40));
        yield return string.Concat(Enumerable.Repeat("word ", 3000));
        yield return new string('z', 5000);
        yield return string.Concat(Enumerable.Repeat("line\n", 800));
    }
}
