using System.CommandLine;
using System.Globalization;
using EngramBulkLoad.Cli.Metrics;
using EngramBulkLoad.Cli.Terminal;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Pipeline;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Validation;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>
/// <c>run</c>: extract, embed and load in one process, stages overlapping. Killed at any moment and
/// started again with the same arguments, it finishes with exactly the source's records in Engram.
/// </summary>
internal static class RunCommand
{
    public static readonly Option<bool> NoLoad = new("--no-load")
    {
        Description = "Stop after the vectors snapshot (load it later with 'load').",
    };

    public static readonly Option<bool> DryRun = new("--dry-run")
    {
        Description = "Read and embed a sample of each collection and estimate records, tokens, embedding time and storage; write nothing.",
    };

    public static readonly Option<int> Sample = new("--sample")
    {
        Description = "Items per collection a dry run reads and embeds.",
        DefaultValueFactory = _ => 1000,
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("run", "Extract, embed and load in one process (stages overlap, memory stays flat). Run it again with the same arguments to resume.")
        {
            CommonOptions.Config, CommonOptions.Snapshot, CommonOptions.MigrationId, CommonOptions.Overwrite, CommonOptions.OverwriteLoaded, CommonOptions.PartSize, CommonOptions.ProgressInterval,
            CommonOptions.Shard, CommonOptions.Backfill, CommonOptions.Sources,
            EngramCommandSupport.Address, EngramCommandSupport.Space, EngramCommandSupport.NewTarget, EngramCommandSupport.ShardWait, NoLoad, DryRun, Sample,
            EmbedOptions.Service, EmbedOptions.Model, EmbedOptions.ExecutionProvider, EmbedOptions.ReuseVectors, EmbedOptions.ChangeModel, EmbedOptions.MetricsPort,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = await CommonOptions.LoadConfigAsync(parse, cancellationToken);
            if (parse.GetValue(DryRun))
            {
                await DryRunAsync(context, config, parse, cancellationToken);
                return 0;
            }

            var engram = parse.GetValue(NoLoad) ? null : EngramCommandSupport.Options(config, parse);
            return await RunAsync(context, config, parse, engram, CommonOptions.OpenMode(parse), cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// Runs the pipeline, prints what each stage did, then validates (the snapshot, and Engram when loaded)
    /// and writes the reports; <paramref name="engram"/> null stops after the vectors.
    /// </summary>
    /// <returns>The exit code: success, or validation failed.</returns>
    public static async Task<int> RunAsync(CliContext context, JobConfig config, ParseResult parse, EngramOptions? engram, SnapshotOpenMode mode, CancellationToken cancellationToken)
    {
        var settings = new RunSettings { Extract = config.Extract, Embed = EmbedOptions.Settings(config, parse) };
        var sources = SourceRegistry.Create(config);
        try
        {
            await using var embedder = await EmbedOptions.EmbedderAsync(config, parse, cancellationToken);
            await using var client = engram is null ? null : EngramClient.Create(engram, context.Time);
            await using var store = await ExtractCommand.OpenAsync(context, config, sources, mode, cancellationToken);
            if (engram is not null)
            {
                await EngramCommandSupport.ApplyNewTargetAsync(context, parse, store, engram, cancellationToken);
            }

            context.Error.WriteLine($"[run] migration '{config.MigrationId}' into {store.Folder}; model '{embedder.Info.ModelId}' ({embedder.Info.ExecutionProvider}); {(engram is null ? "no load (vectors only)" : $"Engram {engram.Address}, space '{engram.MemorySpaceId}'")}");
            var progress = new RunProgress(store);
            await using var metrics = parse.GetValue(EmbedOptions.MetricsPort) is { } port ? RunMetrics.Start(progress, port) : null;
            RunReport report;
            await using (RunProgressView.Start(progress, context, parse.GetValue(CommonOptions.ProgressInterval)))
            {
                report = await RunPipeline.RunAsync(store, sources, embedder, client, settings, progress, context.Time, cancellationToken);
            }

            Write(context.Output, report);
            context.Output.WriteLine();
            var validation = await ValidateCommand.RunAsync(context, store, client, new ValidationOptions { ExpectLoaded = client is not null }, reportFolder: null, cancellationToken);
            context.Output.WriteLine();
            MigrationSummary.Of(validation, Next(parse, config, engram, store.Folder)).Write(context.Output);
            return validation.Passed ? Errors.ExitCodes.Success : Errors.ExitCodes.ValidationFailed;
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    private static async Task DryRunAsync(CliContext context, JobConfig config, ParseResult parse, CancellationToken cancellationToken)
    {
        var sample = parse.GetValue(Sample);
        if (sample < 1)
        {
            throw Errors.ErrorFactory.Config("--sample", $"expected a positive number of items, found {sample}.", "The default is 1000.");
        }

        var sources = SourceRegistry.Create(config);
        try
        {
            var settings = EmbedOptions.Settings(config, parse);
            await using var embedder = await EmbedOptions.EmbedderAsync(config, parse, cancellationToken);
            context.Error.WriteLine($"[dry run] sampling {sample} items per collection; model '{embedder.Info.ModelId}' ({embedder.Info.ExecutionProvider}); nothing is written.");
            var estimates = await Pipeline.DryRun.EstimateAsync(sources, embedder, sample, settings.TextsPerBatch, cancellationToken);
            var c = CultureInfo.InvariantCulture;
            context.Output.WriteLine("source/collection | items | records | rejects | edges | tokens | embedding time (one call at a time) | text MB | vectors MB");
            foreach (var e in estimates)
            {
                context.Output.WriteLine(string.Create(c,
                    $"{e.Source}/{e.Collection} | {(e.TotalIsEstimate ? "~" : string.Empty)}{e.TotalItems:N0} | {e.Records:N0} | {e.Rejects:N0} | {e.Edges:N0} | {e.Tokens:N0} | {e.EmbeddingTime:hh\\:mm\\:ss} | {e.TextBytes / 1e6:N1} | {e.VectorBytes / 1e6:N1}"));
            }

            var time = TimeSpan.FromTicks(estimates.Sum(e => e.EmbeddingTime.Ticks));
            context.Output.WriteLine(string.Create(c,
                $"total | {estimates.Sum(e => e.TotalItems):N0} | {estimates.Sum(e => e.Records):N0} | {estimates.Sum(e => e.Rejects):N0} | {estimates.Sum(e => e.Edges):N0} | {estimates.Sum(e => e.Tokens):N0} | {time:hh\\:mm\\:ss} | {estimates.Sum(e => e.TextBytes) / 1e6:N1} | {estimates.Sum(e => e.VectorBytes) / 1e6:N1}"));
            context.Output.WriteLine("Estimates scale the sample to the whole collection; sizes are before Parquet compression. Engram was not contacted.");
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The commands the summary can point to, spelled as this run was started: <c>demo</c> has no config of
    /// its own on the command line (it is bundled next to the binary), so its load step is the demo again.
    /// </summary>
    internal static NextCommands Next(ParseResult parse, JobConfig config, EngramOptions? engram, string snapshotFolder)
    {
        var tool = CommandName.Current;
        var isDemo = parse.CommandResult.Command.Name == "demo";
        var configPath = isDemo ? Path.Combine(AppContext.BaseDirectory, "samples", "demo.json") : parse.GetValue(CommonOptions.Config)!.FullName;
        var common = $"-c {CommandName.Quote(configPath)} --snapshot {CommandName.Quote(config.Snapshot)}";
        if (!isDemo && parse.GetValue(CommonOptions.MigrationId) is { } migration)
        {
            common += $" --migration-id {CommandName.Quote(migration)}";
        }

        if (!isDemo && parse.GetValue(CommonOptions.Shard) is { } shard)
        {
            common += $" --shard {shard}";
        }

        var space = engram?.MemorySpaceId ?? parse.GetValue(EngramCommandSupport.Space);
        var address = engram is null ? "--engram http://HOST:50051" : $"--engram {engram.Address}";
        var target = space is null ? address : $"{address} --memory-space {CommandName.Quote(space)}";
        var validate = $"{tool} validate {common} {target}";
        return new NextCommands(
            // The demo loads into its own space unless told otherwise, so its hint names only another one.
            isDemo ? $"{tool} demo --snapshot {CommandName.Quote(config.Snapshot)} {(space is null or "demo" ? address : target)}" : $"{tool} load {common} {target}",
            validate,
            validate + " --recall all",
            Path.Combine(snapshotFolder, "report", "report.html"));
    }

    private static void Write(TextWriter output, RunReport report)
    {
        SnapshotReport.WriteCounts(output, report.Extracted);
        foreach (var note in report.ExtractNotes)
        {
            output.WriteLine($"Extract: {note}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Embed: {report.PartsEmbedded} parts, {report.RecordsEmbedded:N0} records embedded, {report.RecordsReused:N0} reused (text unchanged), {report.EmbedRejected:N0} rejected."));
        if (report.Load is { } load)
        {
            LoadCommand.Write(output, load);
        }
        else
        {
            output.WriteLine("Not loaded: the vectors are in the snapshot. Load them with: engram-bulkload load -c CONFIG --engram http://HOST:50051");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Run time {report.Elapsed.TotalSeconds:F1} s."));
    }
}
