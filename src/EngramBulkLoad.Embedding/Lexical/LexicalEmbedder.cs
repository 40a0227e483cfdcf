using System.Buffers;
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

    private const ulong FnvOffset = 14695981039346656037UL;
    private static readonly ulong WordPrefix = Fnv1a64(FnvOffset, "w:");
    private static readonly ulong NGramPrefix = Fnv1a64(FnvOffset, "g:");

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
    /// <remarks>
    /// Nothing is allocated per word or character (words and n-grams are hashed where they lie in one
    /// pooled buffer): this embedder is the pipeline's ceiling in benchmarks, and a string per feature
    /// made it allocate about 40 KB for every record.
    /// </remarks>
    public EmbeddingOutput Embed(EmbeddingInput item)
    {
        var vector = new float[Dimension];
        var text = (item.Text ?? string.Empty).AsSpan();
        // A lower-cased rune is at most two UTF-16 chars, like any rune, so a word never outgrows twice the
        // text. Slot 0 holds the '<' that pads the word for its n-grams; the word follows it.
        var chars = ArrayPool<char>.Shared.Rent((2 * text.Length) + 2);
        var starts = ArrayPool<int>.Shared.Rent((2 * text.Length) + 2);
        try
        {
            chars[0] = '<';
            var end = 1;
            var words = 0;
            var truncated = false;
            foreach (var rune in text.EnumerateRunes())
            {
                if (Rune.IsLetterOrDigit(rune))
                {
                    end += Rune.ToLowerInvariant(rune).EncodeToUtf16(chars.AsSpan(end));
                    continue;
                }

                if (end > 1)
                {
                    if (words == _options.MaxWords)
                    {
                        truncated = true;
                        end = 1;
                        break;
                    }

                    AddWord(vector, chars, end, starts);
                    words++;
                    end = 1;
                }
            }

            if (end > 1)
            {
                if (words == _options.MaxWords)
                {
                    truncated = true;
                }
                else
                {
                    AddWord(vector, chars, end, starts);
                    words++;
                }
            }

            if (words == 0)
            {
                // An empty or punctuation-only text still needs a finite unit vector: Engram refuses NaN.
                AddFeature(vector, Fnv1a64(FnvOffset, "\u0001empty"), WordWeight);
            }

            VectorMath.NormalizeL2(vector);
            return new EmbeddingOutput(item.Id, vector, words, truncated);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(starts);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Adds the word <c>chars[1..end]</c>: the word itself, and the 3- and 4-grams of text elements of <c>&lt;word&gt;</c>.</summary>
    private static void AddWord(float[] vector, char[] chars, int end, int[] starts)
    {
        AddFeature(vector, Fnv1a64(WordPrefix, chars.AsSpan(1, end - 1)), WordWeight);
        chars[end] = '>';
        var padded = chars.AsSpan(0, end + 1);
        // Text elements (grapheme clusters), so an n-gram never splits a letter from its combining marks.
        var elements = 0;
        for (var at = 0; at < padded.Length; at += StringInfo.GetNextTextElementLength(padded[at..]))
        {
            starts[elements++] = at;
        }

        for (var n = 3; n <= 4; n++)
        {
            for (var start = 0; start + n <= elements; start++)
            {
                var from = starts[start];
                var to = start + n < elements ? starts[start + n] : padded.Length;
                AddFeature(vector, Fnv1a64(NGramPrefix, padded[from..to]), NGramWeight);
            }
        }
    }

    private static void AddFeature(float[] vector, ulong hash, float weight)
    {
        var bucket = (int)(hash % Dimension);
        // The sign bit comes from bits the bucket does not use, so collisions cancel out on average.
        var sign = ((hash >> 63) & 1) == 0 ? 1f : -1f;
        vector[bucket] += sign * weight;
    }

    // FNV-1a over UTF-8: stable across processes and .NET versions, unlike string.GetHashCode. Continuing
    // from a prefix's hash gives the hash of prefix + text, so features are hashed without joining strings.
    private static ulong Fnv1a64(ulong hash, ReadOnlySpan<char> text)
    {
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
