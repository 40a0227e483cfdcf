using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Tokenization;
using EngramBulkLoad.Embedding.TestModels;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Embedding.Tests;

public sealed class TokenizerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly List<TextTokenizer> _loaded = [];

    [Fact]
    public async Task Encode_MpnetWordPiece_LowercasesSplitsPunctuationAndAddsSAndSlashS()
    {
        var (tokenizer, model) = await LoadAsync(TokenizerFamily.WordPieceMpnet);

        var result = tokenizer.Encode("Hello, World!", 32);

        Assert.Equal("wordpiece", tokenizer.Kind);
        Assert.Equal(Ids(model, "<s>", "hello", ",", "world", "!", "</s>"), result.Ids);
        Assert.False(result.Truncated);
    }

    [Fact]
    public async Task Encode_BertWordPiece_UsesClsSepAndSubwordPieces()
    {
        var (tokenizer, model) = await LoadAsync(TokenizerFamily.WordPieceBert);

        var result = tokenizer.Encode("jumped dogs", 32);

        Assert.Equal(Ids(model, "[CLS]", "jump", "##ed", "dog", "##s", "[SEP]"), result.Ids);
        Assert.Equal(model.Vocabulary["[PAD]"], tokenizer.PadId);
    }

    [Fact]
    public async Task Encode_ByteLevelBpe_MergesWordsWithLeadingSpaceSymbolAsRoberta()
    {
        var (tokenizer, model) = await LoadAsync(TokenizerFamily.ByteLevelBpe);

        var result = tokenizer.Encode("hello world hello", 32);

        Assert.Equal("bpe", tokenizer.Kind);
        Assert.Equal(Ids(model, "<s>", "hello", "Ġworld", "Ġhello", "</s>"), result.Ids);
    }

    [Fact]
    public async Task Encode_ByteLevelBpeUnknownWord_FallsBackToByteSymbols()
    {
        var (tokenizer, model) = await LoadAsync(TokenizerFamily.ByteLevelBpe);

        var result = tokenizer.Encode("hello hi", 32);

        Assert.Equal(Ids(model, "<s>", "hello", "Ġ", "h", "i", "</s>"), result.Ids);
    }

    [Fact]
    public async Task Encode_XlmrSentencePiece_ShiftsIdsByFairseqOffset()
    {
        var (tokenizer, model) = await LoadAsync(TokenizerFamily.SentencePieceXlmr);

        var result = tokenizer.Encode("hello world", 32);

        Assert.Equal("unigram", tokenizer.Kind);
        Assert.Equal(Ids(model, "<s>", "\u2581hello", "\u2581world", "</s>"), result.Ids);
        Assert.Equal(1, tokenizer.PadId);
    }

    [Fact]
    public async Task Encode_XlmrSentencePieceUnknownCharacter_MapsToFairseqUnknownId()
    {
        var (tokenizer, model) = await LoadAsync(TokenizerFamily.SentencePieceXlmr);

        var result = tokenizer.Encode("hello z", 32);

        Assert.Equal(Ids(model, "<s>", "\u2581hello", "\u2581", "<unk>", "</s>"), result.Ids);
    }

    [Theory]
    [InlineData(TokenizerFamily.WordPieceMpnet)]
    [InlineData(TokenizerFamily.WordPieceBert)]
    [InlineData(TokenizerFamily.ByteLevelBpe)]
    [InlineData(TokenizerFamily.SentencePieceXlmr)]
    public async Task Encode_TextLongerThanMaximum_KeepsSpecialTokensAndReportsTruncation(TokenizerFamily family)
    {
        var (tokenizer, _) = await LoadAsync(family);
        var text = string.Join(' ', Enumerable.Repeat("hello world", 50));

        var result = tokenizer.Encode(text, 16);
        var exact = tokenizer.Encode("hello world", 16);

        Assert.Equal(16, result.Ids.Length);
        Assert.True(result.Truncated);
        Assert.Equal(tokenizer.StartId, result.Ids[0]);
        Assert.Equal(tokenizer.EndId, result.Ids[^1]);
        Assert.False(exact.Truncated);
    }

    [Fact]
    public async Task Load_FolderWithoutTokenizerFiles_ThrowsConfigExceptionNamingSupportedFiles()
    {
        ModelFolderWriter.Write(_folder.Path, TokenizerFamily.WordPieceMpnet);
        File.Delete(Path.Combine(_folder.Path, "vocab.txt"));
        var folder = await ModelFolder.LoadAsync(_folder.Path, null, null, TestContext.Current.CancellationToken).DefaultTimeout();

        var error = Assert.Throws<ConfigException>(() => TokenizerLoader.Load(folder));

        Assert.Contains("tokenizer.json, vocab.txt, or vocab.json with merges.txt was expected", error.Message, StringComparison.Ordinal);
    }

    private async Task<(TextTokenizer Tokenizer, TestModelFolder Model)> LoadAsync(TokenizerFamily family)
    {
        var model = ModelFolderWriter.Write(_folder.File(family.ToString()), family);
        var folder = await ModelFolder.LoadAsync(model.Path, null, null, TestContext.Current.CancellationToken).DefaultTimeout();
        var tokenizer = TokenizerLoader.Load(folder);
        _loaded.Add(tokenizer);
        return (tokenizer, model);
    }

    private static int[] Ids(TestModelFolder model, params string[] tokens) => tokens.Select(t => model.Vocabulary[t]).ToArray();

    public void Dispose()
    {
        foreach (var tokenizer in _loaded)
        {
            tokenizer.Dispose();
        }

        _folder.Dispose();
    }
}
