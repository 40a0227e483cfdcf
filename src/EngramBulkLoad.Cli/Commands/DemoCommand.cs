using System.CommandLine;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Embedding;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>
/// <c>demo</c>: the main job on the embedded default. The sample corpus that ships with the tool is
/// extracted and embedded with the offline embedder (or the model folder or embedding service given), then loaded into
/// the Engram named by --engram or ENGRAM_URL when one answers; otherwise the run stops after the vectors
/// and says how to load them. Needs no config.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The memory space the demo loads into unless --memory-space names another.</summary>
    private const string DemoSpace = "demo";

    private static readonly Option<string> Snapshot = new("--snapshot", "-s")
    {
        Description = "Where to write the demo snapshot.",
        DefaultValueFactory = _ => Path.Combine("snapshots", "demo"),
    };

    private static readonly Option<string?> Engram = new("--engram")
    {
        Description = "Engram's gRPC address to load into (default: the ENGRAM_URL variable; without either the demo stops after the vectors).",
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("demo", "Run the whole job on the bundled sample corpus: extract, embed (offline, or with --model DIR), load into Engram when one answers, and report.")
        {
            Snapshot, CommonOptions.Overwrite, CommonOptions.OverwriteLoaded, CommonOptions.ProgressInterval, Engram, EngramCommandSupport.Space, EngramCommandSupport.NewTarget, EmbedOptions.Service, EmbedOptions.Model, EmbedOptions.ExecutionProvider,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configPath = Path.Combine(AppContext.BaseDirectory, "samples", "demo.json");
            var config = await JobConfigLoader.LoadAsync(configPath, cancellationToken);
            config = config with { Snapshot = Path.GetFullPath(parse.GetValue(Snapshot)!) };
            var engram = await AnsweringEngramAsync(context, parse, context.Time, cancellationToken);
            // RunCommand ends with the summary and the next command (for the demo: run it again with an Engram).
            return await RunCommand.RunAsync(context, config, parse, engram, CommonOptions.OpenMode(parse), cancellationToken);
        });
        return command;
    }

    /// <summary>The Engram to load into, when one is named and answers; null (with the reason printed) otherwise.</summary>
    private static async Task<EngramOptions?> AnsweringEngramAsync(CliContext context, ParseResult parse, TimeProvider time, CancellationToken cancellationToken)
    {
        var address = parse.GetValue(Engram) ?? Environment.GetEnvironmentVariable("ENGRAM_URL");
        if (string.IsNullOrWhiteSpace(address))
        {
            context.Error.WriteLine("[demo] no --engram or ENGRAM_URL: the demo stops after the vectors snapshot.");
            return null;
        }

        var options = new EngramOptions { Address = address, MemorySpaceId = parse.GetValue(EngramCommandSupport.Space) ?? DemoSpace, ConnectTimeout = TimeSpan.FromSeconds(5) }.Validate("--engram");
        await using var client = EngramClient.Create(options, time);
        try
        {
            await client.PreflightAsync(EngramDimensions.Required, cancellationToken);
            return options;
        }
        catch (EngramException ex)
        {
            context.Error.WriteLine($"[demo] Engram at {address} did not answer ({SecretScrubber.Scrub(ex.Message)}); the demo stops after the vectors snapshot.");
            return null;
        }
    }
}
