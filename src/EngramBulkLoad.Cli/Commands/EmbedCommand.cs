using System.CommandLine;
using EngramBulkLoad.Snapshot;
using System.Globalization;
using EngramBulkLoad.Cli.Terminal;
using EngramBulkLoad.Embedding.Stage;

namespace EngramBulkLoad.Cli.Commands;

/// <summary><c>embed</c>: a snapshot's staged records into vectors. Re-running resumes and embeds only what changed.</summary>
internal static class EmbedCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("embed", "Embed the snapshot's staged records (vectors keyed by content hash and model). Run it again to resume; unchanged text is not embedded twice.")
        {
            CommonOptions.Config, CommonOptions.Snapshot, CommonOptions.MigrationId, CommonOptions.Shard, CommonOptions.ProgressInterval, CommonOptions.RedoDamaged,
            EmbedOptions.Service, EmbedOptions.Model, EmbedOptions.ExecutionProvider, EmbedOptions.ReuseVectors, EmbedOptions.ChangeModel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = await CommonOptions.LoadConfigAsync(parse, cancellationToken);
            var settings = EmbedOptions.Settings(config, parse);
            await using var embedder = await EmbedOptions.EmbedderAsync(config, parse, cancellationToken);
            await using var store = await EngramCommandSupport.OpenAsync(config, context.Time, cancellationToken);
            context.Error.WriteLine($"[embed] migration '{config.MigrationId}' in {store.Folder} with model '{embedder.Info.ModelId}' ({embedder.Info.Kind}, {embedder.Info.ExecutionProvider})");
            if (parse.GetValue(CommonOptions.RedoDamaged))
            {
                DamageReport.WriteRedone(context.Error, "embed", await PartRedo.ResetDamagedAsync(store, "embed", cancellationToken));
            }

            var stage = new EmbedStage(store, embedder, settings, new EmbedProgress());
            await stage.PrepareAsync(cancellationToken);
            int parts;
            await using (var lines = new PeriodicLines((elapsed, _) => EmbedLine(stage.Progress, elapsed), context.Time, context.Error, parse.GetValue(CommonOptions.ProgressInterval)))
            {
                parts = await stage.RunAsync(cancellationToken);
                lines.Complete();
            }

            var p = stage.Progress;
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Embedded {parts} parts: {p.Embedded:N0} records embedded, {p.Reused:N0} reused (unchanged text, {stage.ReusableVectors:N0} vectors available), {p.Rejected:N0} rejected, {p.Tokens:N0} tokens."));
            return 0;
        });
        return command;
    }

    private static string EmbedLine(EmbedProgress progress, TimeSpan elapsed)
    {
        var figure = new StageFigure("embed", progress.Records, progress.Rejected, progress.Records / Math.Max(elapsed.TotalSeconds, 0.001), progress.EstimatedTotal,
            string.Create(CultureInfo.InvariantCulture, $"{progress.Reused:N0} reused, {progress.Tokens:N0} tokens, {progress.Parts} parts"));
        return $"[{figure.Line()}] elapsed {elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)}";
    }
}
