using System.CommandLine;
using System.Globalization;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Embedding;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Engram.StandIn;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Snapshot;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>
/// <c>demo</c>: the main job on the embedded default. The sample corpus that ships with the tool is
/// extracted and embedded with the offline embedder (or the model folder or embedding service given), then
/// loaded, associated, recalled and validated: into the Engram named by --engram or ENGRAM_URL, or, when
/// neither is given, into an in-memory stand-in started in this process (<see cref="EngramStandInServer"/>:
/// Engram's rules over real gRPC on loopback, not Engram). Needs no config.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The memory space the demo loads into unless --memory-space names another.</summary>
    private const string DemoSpace = "demo";

    /// <summary>What every line and the report call the stand-in, so that nobody takes it for Engram.</summary>
    private const string StandInLabel = "the in-memory Engram stand-in (not Engram: it follows Engram's rules, deduplication included, and forgets everything when the demo ends)";

    private static readonly Option<string> Snapshot = new("--snapshot", "-s")
    {
        Description = "Where to write the demo snapshot.",
        DefaultValueFactory = _ => Path.Combine("snapshots", "demo"),
    };

    private static readonly Option<string?> Engram = new("--engram")
    {
        Description = "Engram's gRPC address to load into (default: the ENGRAM_URL variable; without either the demo loads into an in-memory stand-in that follows Engram's rules and forgets everything when it ends).",
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("demo", "Run the whole job on the bundled sample corpus: extract, embed (offline, or with --model DIR), load into Engram (--engram or ENGRAM_URL; otherwise an in-memory stand-in), associate, recall and validate.")
        {
            Snapshot, CommonOptions.Overwrite, CommonOptions.OverwriteLoaded, CommonOptions.ProgressInterval, Engram, EngramCommandSupport.Space, EngramCommandSupport.NewTarget, EmbedOptions.Service, EmbedOptions.Model, EmbedOptions.ExecutionProvider,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configPath = Path.Combine(AppContext.BaseDirectory, "samples", "demo.json");
            var config = await JobConfigLoader.LoadAsync(configPath, cancellationToken);
            config = config with { Snapshot = Path.GetFullPath(parse.GetValue(Snapshot)!) };
            var space = parse.GetValue(EngramCommandSupport.Space) ?? DemoSpace;
            var named = parse.GetValue(Engram) ?? Environment.GetEnvironmentVariable("ENGRAM_URL");
            return string.IsNullOrWhiteSpace(named)
                ? await RunOnStandInAsync(context, config, parse, space, cancellationToken)
                : await RunOnEngramAsync(context, config, parse, named, space, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunOnEngramAsync(CliContext context, JobConfig config, ParseResult parse, string address, string space, CancellationToken cancellationToken)
    {
        var engram = await AnsweringEngramAsync(parse, address, space, context.Time, cancellationToken);
        // RunCommand ends with the summary and the next command.
        return await RunCommand.RunAsync(context, config, parse, engram, CommonOptions.OpenMode(parse), cancellationToken);
    }

    /// <summary>
    /// Starts the stand-in on 127.0.0.1 (a free port), runs the job into it, and says what it held and that it was
    /// not Engram; the summary's next command loads the same snapshot into a real one.
    /// </summary>
    private static async Task<int> RunOnStandInAsync(CliContext context, JobConfig config, ParseResult parse, string space, CancellationToken cancellationToken)
    {
        // Engram's defaults (deduplication on, 100,000 memories per space, no authentication): the demo shows what a
        // real Engram would hold of the corpus.
        await using var standIn = await EngramStandInServer.StartAsync(new EngramStandInOptions(), context.Time, cancellationToken);
        var engram = Options(standIn.Address, space).Labelled(StandInLabel);
        context.Error.WriteLine($"[demo] no --engram or ENGRAM_URL: loading into {engram.Describe()}. To load into a real Engram, pass --engram http://HOST:50051 or set ENGRAM_URL.");
        await SetAsideEarlierLoadAsync(context, config, parse, engram, cancellationToken);
        // What the stand-in held goes before the summary, whose last line is the command that loads the same snapshot
        // into a real Engram (RunCommand.Next: the manifest records the stand-in, so it carries --new-target).
        return await RunCommand.RunAsync(context, config, parse, engram, CommonOptions.OpenMode(parse), cancellationToken, output =>
        {
            var store = standIn.Store;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Loaded into the in-memory Engram stand-in at {standIn.Address}, space '{space}': it holds {store.Count(space):N0} memories ({store.Deduplicated:N0} merged into a near-duplicate, as Engram merges them) after {store.RecordsReceived:N0} Remember requests (re-sends after a retry included), and acknowledged {store.Associations:N0} associations."));
            output.WriteLine("It is not Engram: an in-memory store that follows Engram's rules (deduplication included), started by this demo. Its memories vanish when the demo ends.");
            output.WriteLine();
        });
    }

    /// <summary>
    /// A snapshot loaded before (into an earlier stand-in, or an Engram) has load state that says nothing about this
    /// stand-in, which starts empty: it is set aside, as --new-target does, and said so; the manifest keeps the old
    /// target in its history. Overwrite modes start the snapshot afresh, so nothing is set aside for them.
    /// </summary>
    private static async Task SetAsideEarlierLoadAsync(CliContext context, JobConfig config, ParseResult parse, EngramOptions engram, CancellationToken cancellationToken)
    {
        if (CommonOptions.OpenMode(parse) != SnapshotOpenMode.CreateOrResume || !File.Exists(Path.Combine(config.Snapshot, SnapshotFormat.ManifestFileName)))
        {
            return;
        }

        await using var store = await EngramCommandSupport.OpenAsync(config, context.Time, cancellationToken);
        if (await LoadTargets.MoveToAsync(store, engram, cancellationToken) is { } previous)
        {
            context.Error.WriteLine($"[demo] the snapshot was loaded into {previous} before; the stand-in starts empty, so every part is sent again (as {LoadTargets.NewTargetFlag} does). The manifest keeps {previous} in its history.");
        }
    }

    /// <summary>The Engram named by --engram or ENGRAM_URL, once it answered; a clear error before anything is extracted when it does not.</summary>
    private static async Task<EngramOptions> AnsweringEngramAsync(ParseResult parse, string address, string space, TimeProvider time, CancellationToken cancellationToken)
    {
        var source = parse.GetValue(Engram) is null ? "ENGRAM_URL" : "--engram";
        var options = Options(address, space);
        await using var client = EngramClient.Create(options, time);
        try
        {
            await client.PreflightAsync(EngramDimensions.Required, cancellationToken);
            return options;
        }
        catch (EngramException ex)
        {
            // Falling back to the stand-in here would report a load the user did not ask for.
            throw new EngramException(
                $"the demo was asked to load into the Engram named by {source} ({address}), and it did not answer: {ex.Message} Nothing was extracted. "
                + $"Start that Engram (docker compose up -d engram) or correct {source}; to load into the in-memory stand-in instead, give neither --engram nor ENGRAM_URL.",
                ex);
        }
    }

    private static EngramOptions Options(string address, string space)
        => new EngramOptions { Address = address, MemorySpaceId = space, ConnectTimeout = TimeSpan.FromSeconds(5) }.Validate("--engram");
}
