using System.Globalization;
using BenchmarkDotNet.Running;
using EngramBulkLoad.Benchmarks.Embedding;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;

// Usage:
//   dotnet run -c Release --project benchmarks/EngramBulkLoad.Benchmarks.Embedding -- [--texts N] [--callers N]
//       [--per-call N] [--hidden N] [--layers N] [--rounds N] [--provider auto|cpu|cuda]
//   dotnet run -c Release --project benchmarks/EngramBulkLoad.Benchmarks.Embedding -- --micro   (BenchmarkDotNet: vector encodings)
//   dotnet run -c Release --project benchmarks/EngramBulkLoad.Benchmarks.Embedding -- --write-model DIR [--hidden N] [--layers N]
//       (writes the harness's model folder to DIR and exits: the end-to-end ONNX benchmark runs the job with --model DIR)
//   dotnet run -c Release --project benchmarks/EngramBulkLoad.Benchmarks.Embedding -- --burst [--callers N] [--per-call M]
//       [--seconds T] [--load 4] [--deadline 10] [--set Batching:MaxLatency=00:00:10 ...]   (overload: see BurstHarness)
//   dotnet run -c Release --project benchmarks/EngramBulkLoad.Benchmarks.Embedding -- --tokenizers [--seconds N] [--rounds N]
//       (tokenizer texts/s and id agreement: Microsoft.ML.Tokenizers as the service used it vs Hugging Face's tokenizers)
if (args.Contains("--burst"))
{
    return await BurstHarness.RunAsync(args);
}

if (args.Contains("--tokenizers"))
{
    return TokenizerBenchmark.Run(Argument("--seconds", 3), Argument("--rounds", 5));
}

if (args.Contains("--micro"))
{
    var (packed, repeated) = VectorEncodingBenchmarks.WireSizes();
    Console.WriteLine($"Wire size of 64 x 768 vectors: packed {packed} bytes, repeated {repeated} bytes.");
    BenchmarkRunner.Run<VectorEncodingBenchmarks>(args: args.Where(a => a != "--micro").ToArray());
    return 0;
}

var settings = new HarnessSettings(
    Texts: Argument("--texts", 1000),
    Callers: Argument("--callers", 8),
    TextsPerCall: Argument("--per-call", 64),
    Hidden: Argument("--hidden", 768),
    Layers: Argument("--layers", 4),
    MaxLength: 384,
    Rounds: Argument("--rounds", 7),
    Provider: Enum.Parse<ExecutionProviderPreference>(ArgumentText("--provider", "auto"), ignoreCase: true));

var vocabulary = Corpus.Vocabulary(8000);
if (ArgumentText("--write-model", string.Empty) is { Length: > 0 } target)
{
    var written = ModelFolderWriter.Write(Path.GetFullPath(target), TokenizerFamily.WordPieceMpnet, settings.Hidden, settings.Layers, settings.MaxLength, extraWords: vocabulary);
    Console.WriteLine($"Model folder {written.Path}: WordPiece vocabulary {written.Encoder.Spec.VocabularySize}, hidden {settings.Hidden}, {settings.Layers} dense layers, max length {settings.MaxLength}.");
    return 0;
}

var folder = Path.Combine(Path.GetTempPath(), "engram-embedding-bench", Guid.NewGuid().ToString("N"));
try
{
    var model = ModelFolderWriter.Write(folder, TokenizerFamily.WordPieceMpnet, settings.Hidden, settings.Layers, settings.MaxLength, extraWords: vocabulary);
    var texts = Corpus.Texts(settings.Texts, vocabulary, seed: 42);
    Console.WriteLine($"Model: WordPiece vocabulary {model.Encoder.Spec.VocabularySize}, hidden {settings.Hidden}, {settings.Layers} dense layers, max length {settings.MaxLength}; " +
        $"{settings.Texts} texts ({texts.Count(t => t.Split(' ').Length < 40)} short, {texts.Count(t => t.Split(' ').Length is >= 40 and < 160)} medium, {texts.Count(t => t.Split(' ').Length >= 160)} long); " +
        $"{settings.Callers} callers x {settings.TextsPerCall} texts per call; {Environment.ProcessorCount} cores.");
    var harness = new ThroughputHarness(settings, folder);
    var (direct, service, provider, difference) = await harness.RunAsync(texts, CancellationToken.None);
    var bestDirect = direct.MaxBy(p => p.TextsPerSecond)!;
    var bestService = service.MaxBy(p => p.TextsPerSecond)!;
    Console.WriteLine();
    Console.WriteLine($"Execution provider: {provider}. Largest difference between service and direct vectors: {difference:E2}.");
    Console.WriteLine("| Path | texts/s | tokens/s |");
    Console.WriteLine("| --- | ---: | ---: |");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| direct, in-process ONNX Runtime (best of {direct.Count}) | {bestDirect.TextsPerSecond:F1} | {bestDirect.TokensPerSecond:F0} |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| service, gRPC, {settings.Callers} callers (best of {service.Count}) | {bestService.TextsPerSecond:F1} | {bestService.TokensPerSecond:F0} |"));
    var ratios = direct.Zip(service, (d, s) => s.TextsPerSecond / d.TextsPerSecond).Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Ratio service / direct: median of paired rounds {ratios[ratios.Length / 2]:F3} (rounds: {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}); best / best {bestService.TextsPerSecond / bestDirect.TextsPerSecond:F3}. Goal >= 0.9."));
    return 0;
}
finally
{
    try
    {
        Directory.Delete(folder, recursive: true);
    }
    catch (IOException)
    {
        // Left for the OS temp cleaner.
    }
}

int Argument(string name, int fallback)
    => int.Parse(ArgumentText(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

string ArgumentText(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
