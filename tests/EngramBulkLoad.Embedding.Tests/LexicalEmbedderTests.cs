using EngramBulkLoad.Embedding.Lexical;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Tests;

public sealed class LexicalEmbedderTests
{
    [Fact]
    public void Info_Always_NamesTheModelLexicalWith768Dimensions()
    {
        var embedder = new LexicalEmbedder();

        Assert.Equal(new EmbedderInfo("lexical-hash-768-v1", 768, "lexical", 4096, "none", "n/a", string.Empty), embedder.Info);
    }

    [Fact]
    public void Embed_SameText_GivesTheSameUnitVectorEveryTime()
    {
        var first = new LexicalEmbedder().Embed(new EmbeddingInput("a", "Migrating PostgreSQL rows into Engram"));
        var second = new LexicalEmbedder().Embed(new EmbeddingInput("b", "Migrating PostgreSQL rows into Engram"));

        Assert.Equal(768, first.Vector.Length);
        Assert.Equal(first.Vector, second.Vector);
        Assert.Equal(1.0, Vectors.Norm(first.Vector), 5);
        Assert.Equal(5, first.TokenCount);
    }

    [Fact]
    public void Embed_KnownText_GivesTheRecordedValues()
    {
        // Pinned values: a change here changes every lexical vector, so the model id must change with it.
        var vector = new LexicalEmbedder().Embed(new EmbeddingInput("a", "hello world")).Vector;

        var nonZero = vector.Select((v, i) => (v, i)).Where(p => p.v != 0).Select(p => p.i).ToArray();

        Assert.Equal(1.0f, vector.Select(v => v * v).Sum(), 4);
        Assert.InRange(nonZero.Length, 10, 20);
        Assert.Equal(new LexicalEmbedder().Embed(new EmbeddingInput("b", "HELLO, world!")).Vector, vector);
    }

    [Fact]
    public void Embed_VariedScripts_GiveTheVectorsOfModelVersionOne()
    {
        // Digest of the exact float bytes of every vector: any change in tokenizing, lower-casing, grapheme
        // splitting or hashing changes it, and then every stored lexical vector would be stale.
        string[] texts =
        [
            "hello world", "HELLO, world!", "Migrating PostgreSQL rows into Engram (batch 42 of 1,000)",
            "Cafe\u0301 cre\u0300me bru\u0302le\u0301e", "İstanbul ışık ÇAĞRI", "東京都 の データ ベース",
            "emoji 👩‍💻 and 𝒜𝒷𝒸 letters", "a", "ab", "abc", "x\uD800y lone surrogate", "tab\tnew\nline—dash",
            "", " ,;! ",
            string.Join(' ', Enumerable.Range(0, 300).Select(i => $"w{i % 17}x{i}")),
        ];
        var embedder = new LexicalEmbedder(new LexicalEmbedderOptions { MaxWords = 250 });
        using var digest = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var text in texts)
        {
            var output = embedder.Embed(new EmbeddingInput("t", text));
            digest.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.Vector.AsSpan()));
            digest.AppendData(BitConverter.GetBytes(output.TokenCount));
            digest.AppendData(BitConverter.GetBytes(output.Truncated));
        }

        Assert.Equal("09325c1c06bda0fa09414be2005fcf7095e1fc390aa4c66824d612518d28890b", Convert.ToHexStringLower(digest.GetHashAndReset()));
    }

    [Fact]
    public void Embed_TextsSharingWords_AreCloserThanUnrelatedTexts()
    {
        var embedder = new LexicalEmbedder();
        var a = embedder.Embed(new EmbeddingInput("a", "customer orders shipped to Berlin")).Vector;
        var b = embedder.Embed(new EmbeddingInput("b", "customer order shipping from Berlin")).Vector;
        var c = embedder.Embed(new EmbeddingInput("c", "quantum chromodynamics lecture notes")).Vector;

        Assert.True(Vectors.Cosine(a, b) > Vectors.Cosine(a, c) + 0.3, $"related {Vectors.Cosine(a, b)}, unrelated {Vectors.Cosine(a, c)}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ,;!  ")]
    public void Embed_TextWithoutWords_GivesAFiniteUnitVector(string text)
    {
        var output = new LexicalEmbedder().Embed(new EmbeddingInput("e", text));

        Assert.All(output.Vector, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1.0, Vectors.Norm(output.Vector), 5);
        Assert.Equal(0, output.TokenCount);
    }

    [Fact]
    public void Embed_MoreWordsThanTheMaximum_IsTruncatedAndReportsIt()
    {
        var embedder = new LexicalEmbedder(new LexicalEmbedderOptions { MaxWords = 3 });

        var cut = embedder.Embed(new EmbeddingInput("a", "one two three four five"));
        var exact = embedder.Embed(new EmbeddingInput("b", "one two three"));

        Assert.True(cut.Truncated);
        Assert.Equal(3, cut.TokenCount);
        Assert.Equal(exact.Vector, cut.Vector);
        Assert.False(exact.Truncated);
    }

    [Fact]
    public async Task EmbedAsync_Batch_ReturnsOneResultPerInputInOrder()
    {
        var embedder = new LexicalEmbedder();

        var results = await embedder.EmbedAsync([new("x", "alpha"), new("y", "beta"), new("x", "gamma")], TestContext.Current.CancellationToken).DefaultTimeout();

        Assert.Equal(["x", "y", "x"], results.Select(r => r.Id));
    }

    [Fact]
    public void Constructor_InvalidMaxWords_ThrowsConfigException()
    {
        var error = Assert.Throws<ConfigException>(() => new LexicalEmbedder(new LexicalEmbedderOptions { MaxWords = 0 }));

        Assert.Contains("maxWords", error.Message, StringComparison.Ordinal);
    }
}
