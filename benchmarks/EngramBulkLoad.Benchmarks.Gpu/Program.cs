using System.Globalization;
using System.Text.Json;
using EngramBulkLoad.Benchmarks.Gpu;
using EngramBulkLoad.Embedding.Service.Options;
using EngramBulkLoad.Embedding.TestModels;

// The GPU check kit's harness (benchmarks/gpu/README.md says how the kit is sent and run).
//   harness write-model DIR [--layers 12] [--hidden 768] [--heads 12] [--intermediate 3072] [--vocab 30522] [--max-length 384]
//   harness write-texts FILE [--count 4000] [--model DIR]      one text a line, for the PyTorch side
//   harness check --model DIR --texts FILE --out results.json [--provider cuda|cpu] [--check-texts 512]
//           [--seconds 8] [--callers 8,64] [--budgets 16384,65536] [--batch-texts 64,256] [--oom-limit-mib 4096]
//           [--only provider,precision,throughput,oom]
// Exit code 0 when every check that ran passed, 1 when one failed, 2 on bad arguments.
var verb = args.FirstOrDefault() ?? string.Empty;
try
{
    switch (verb)
    {
        case "write-model":
        {
            var folder = Path.GetFullPath(Positional());
            var spec = new BertSpec(Int("--vocab", 30522), Int("--hidden", 768), Int("--layers", 12), Int("--heads", 12), Int("--intermediate", 3072));
            KitModel.Write(folder, spec, Int("--max-length", 384));
            Console.WriteLine($"Model folder {folder}: BERT, {spec.Layers} layers, hidden {spec.Hidden}, {spec.Heads} heads, intermediate {spec.Intermediate}, vocabulary {spec.VocabularySize}; model.onnx and model_fp16.onnx.");
            return 0;
        }

        case "write-texts":
        {
            var file = Path.GetFullPath(Positional());
            var vocabulary = Int("--vocab", 30522);
            File.WriteAllLines(file, KitModel.Texts(Int("--count", 4000), KitModel.Words(vocabulary), seed: 42));
            Console.WriteLine($"{Int("--count", 4000)} texts in {file}.");
            return 0;
        }

        case "check":
            return await CheckAsync();
        default:
            Console.Error.WriteLine("Usage: harness write-model DIR | write-texts FILE | check --model DIR --texts FILE --out FILE (see Program.cs).");
            return 2;
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

async Task<int> CheckAsync()
{
    var provider = Enum.Parse<ExecutionProviderPreference>(Text("--provider", "cuda"), ignoreCase: true);
    var only = Text("--only", "provider,precision,throughput,oom").Split(',');
    var settings = new KitSettings(
        Path.GetFullPath(Required("--model")),
        provider,
        File.ReadAllLines(Required("--texts")),
        Int("--check-texts", 512),
        double.Parse(Text("--seconds", "8"), CultureInfo.InvariantCulture),
        Ints("--callers", "8,64"),
        Ints("--budgets", "16384,65536"),
        Ints("--batch-texts", "64,256"),
        Int("--per-call", 64),
        Int("--oom-limit-mib", 4096) * 1024L * 1024);
    var checks = new KitChecks(settings);
    var results = new Dictionary<string, object?>
    {
        ["machine"] = $"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
        ["provider"] = provider.ToString(),
        ["texts"] = settings.Texts.Length,
        ["started"] = DateTimeOffset.UtcNow,
    };
    var failed = false;
    var cancellation = CancellationToken.None;
    if (only.Contains("provider"))
    {
        var agreement = await checks.ProviderAgreementAsync(cancellation);
        results["provider_agreement"] = agreement;
        failed |= !agreement.Passed;
        Console.WriteLine($"(a) vectors {agreement.Left} vs {agreement.Right}: {agreement.Texts} texts, min cosine {agreement.MinCosine:F6}, mean {agreement.MeanCosine:F6} (goal >= {agreement.Goal}) {(agreement.Passed ? "PASS" : "FAIL")}");
    }

    if (only.Contains("precision"))
    {
        var agreement = await checks.PrecisionAgreementAsync(cancellation);
        results["precision_agreement"] = agreement;
        failed |= !agreement.Passed;
        Console.WriteLine(agreement.Skipped is { } why
            ? $"(b) fp16 vs fp32: skipped, {why}"
            : $"(b) vectors {agreement.Left} vs {agreement.Right}: {agreement.Texts} texts, min cosine {agreement.MinCosine:F6}, mean {agreement.MeanCosine:F6} (goal >= {agreement.Goal}) {(agreement.Passed ? "PASS" : "FAIL")}");
    }

    if (only.Contains("throughput"))
    {
        results["throughput"] = await checks.ThroughputAsync(
            p => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(c) {p.Provider} {p.Precision}, {p.Callers,2} callers, budget {p.TokenBudget,6}, batch <= {p.MaxBatchTexts,4}: {p.TextsPerSecond,9:F1} texts/s {p.TokensPerSecond,11:F0} tokens/s, padding {p.PaddingShare:P1}, {p.Refused} refusals")),
            cancellation);
    }

    if (only.Contains("oom"))
    {
        var oom = await checks.OutOfMemoryAsync(cancellation);
        results["out_of_memory"] = oom;
        failed |= !oom.Passed;
        Console.WriteLine(oom.Skipped is { } why
            ? $"(e) out-of-memory split: skipped, {why}"
            : $"(e) out-of-memory split under a {oom.MemoryLimitBytes / (1024 * 1024)} MiB limit: {oom.Texts} texts of {oom.TokensPerText} tokens in one request, {oom.Splits} splits, min cosine to unsplit {oom.MinCosine:F6} {(oom.Passed ? "PASS" : "FAIL " + oom.Error)}");
    }

    results["finished"] = DateTimeOffset.UtcNow;
    var output = Path.GetFullPath(Required("--out"));
    await File.WriteAllTextAsync(output, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
    Console.WriteLine($"Results in {output}.");
    return failed ? 1 : 0;
}

string Positional()
    => args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : throw new ArgumentException($"'{verb}' needs a path after it.");

string Required(string name)
    => Text(name, string.Empty) is { Length: > 0 } value ? value : throw new ArgumentException($"'{verb}' needs {name}.");

int Int(string name, int fallback)
    => int.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

int[] Ints(string name, string fallback)
    => Text(name, fallback).Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

string Text(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
