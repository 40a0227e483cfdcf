using System.Globalization;
using System.Text;

namespace EngramBulkLoad.Embedding.Lexical;

/// <summary>
/// The offline embedder: deterministic feature hashing of lower-cased words and their character
/// 3- and 4-grams into <see cref="Dimension"/> signed buckets, L2-normalized. It needs no model files,
/// so it is the default for the demo and for machines without a model. Texts that share words and
/// word pieces get similar vectors; it captures no meaning beyond that, which is why it is always
/// reported as "lexical".
/// </summary>
public sealed class LexicalEmbedder : ITextEmbedder
{
    /// <summary>The model id recorded next to every lexical vector. Change it whenever the hashing changes.</summary>
    public const string ModelId = "lexical-hash-768-v1";

    /// <summary>Values per vector; Engram's required dimension.</summary>
    public const int Dimension = EngramDimensions.Required;

    // Words carry more signal than their fragments; n-grams mostly make spelling variants overlap.
    private const float WordWeight = 1.0f;
    private const float NGramWeight = 0.35f;

    private readonly LexicalEmbedderOptions _options;

    /// <summary>Builds the embedder; throws a ConfigException when <paramref name="options"/> is invalid.</summary>
    public LexicalEmbedder(LexicalEmbedderOptions? options = null)
    {
        _options = options ?? new LexicalEmbedderOptions();
        _options.Validate();
        Info = new EmbedderInfo(ModelId, Dimension, EmbedderKinds.Lexical, _options.MaxWords, "none", "n/a", string.Empty);
    }

    /// <inheritdoc />
    public EmbedderInfo Info { get; }

    /// <inheritdoc />
    public Task<IReadOnlyList<EmbeddingOutput>> EmbedAsync(IReadOnlyList<EmbeddingInput> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new EmbeddingOutput[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results[i] = Embed(items[i]);
        }

        return Task.FromResult<IReadOnlyList<EmbeddingOutput>>(results);
    }

    /// <summary>Embeds one text synchronously; the same text always gives the same vector, on any machine.</summary>
    public EmbeddingOutput Embed(EmbeddingInput item)
    {
        var vector = new float[Dimension];
        var words = 0;
        var truncated = false;
        var word = new StringBuilder();
        foreach (var rune in (item.Text ?? string.Empty).EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                word.Append(Rune.ToLowerInvariant(rune).ToString());
                continue;
            }

            if (word.Length > 0)
            {
                if (words == _options.MaxWords)
                {
                    truncated = true;
                    word.Clear();
                    break;
                }

                AddWord(vector, word.ToString());
                words++;
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            if (words == _options.MaxWords)
            {
                truncated = true;
            }
            else
            {
                AddWord(vector, word.ToString());
                words++;
            }
        }

        if (words == 0)
        {
            // An empty or punctuation-only text still needs a finite unit vector: Engram refuses NaN.
            AddFeature(vector, "\u0001empty", WordWeight);
        }

        VectorMath.NormalizeL2(vector);
        return new EmbeddingOutput(item.Id, vector, words, truncated);
    }

    private static void AddWord(float[] vector, string word)
    {
        AddFeature(vector, "w:" + word, WordWeight);
        var padded = "<" + word + ">";
        var elements = StringInfo.ParseCombiningCharacters(padded);
        for (var n = 3; n <= 4; n++)
        {
            for (var start = 0; start + n <= elements.Length; start++)
            {
                var from = elements[start];
                var to = start + n < elements.Length ? elements[start + n] : padded.Length;
                AddFeature(vector, string.Concat("g:", padded.AsSpan(from, to - from)), NGramWeight);
            }
        }
    }

    private static void AddFeature(float[] vector, string feature, float weight)
    {
        var hash = Fnv1a64(feature);
        var bucket = (int)(hash % Dimension);
        // The sign bit comes from bits the bucket does not use, so collisions cancel out on average.
        var sign = ((hash >> 63) & 1) == 0 ? 1f : -1f;
        vector[bucket] += sign * weight;
    }

    // FNV-1a over UTF-8: stable across processes and .NET versions, unlike string.GetHashCode.
    private static ulong Fnv1a64(string text)
    {
        var hash = 14695981039346656037UL;
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            var length = rune.EncodeToUtf8(buffer);
            for (var i = 0; i < length; i++)
            {
                hash ^= buffer[i];
                hash *= 1099511628211UL;
            }
        }

        return hash;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
