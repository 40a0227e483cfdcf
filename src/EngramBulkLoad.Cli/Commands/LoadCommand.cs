using System.CommandLine;
using System.Globalization;
using EngramBulkLoad.Cli.Terminal;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Snapshot;

namespace EngramBulkLoad.Cli.Commands;

/// <summary><c>load</c>: a snapshot's embedded parts into Engram, then associations. Re-running resumes.</summary>
internal static class LoadCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("load", "Load an embedded snapshot into Engram (memories in batches, then associations). Run it again to resume an interrupted load.")
        {
            CommonOptions.Config, CommonOptions.Snapshot, CommonOptions.MigrationId, CommonOptions.Shard, CommonOptions.ProgressInterval,
            EngramCommandSupport.Address, EngramCommandSupport.Space, EngramCommandSupport.NewTarget, EngramCommandSupport.ShardWait, CommonOptions.RedoDamaged,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = await CommonOptions.LoadConfigAsync(parse, cancellationToken);
            var options = EngramCommandSupport.Options(config, parse);
            await using var store = await EngramCommandSupport.OpenAsync(config, context.Time, cancellationToken);
            await EngramCommandSupport.ApplyNewTargetAsync(context, parse, store, options, cancellationToken);
            if (parse.GetValue(CommonOptions.RedoDamaged))
            {
                DamageReport.WriteRedone(context.Error, "load", await PartRedo.ResetDamagedAsync(store, "load", cancellationToken));
            }

            context.Error.WriteLine($"[load] migration '{config.MigrationId}' from {store.Folder} into {options.Address}, space '{options.MemorySpaceId}'");
            var progress = new LatestLoadProgress();
            LoadReport report;
            await using (var lines = new PeriodicLines((elapsed, done) => LoadLine.Of(progress.Value, elapsed, done), context.Time, context.Error, parse.GetValue(CommonOptions.ProgressInterval)))
            {
                report = await LoadStage.RunAsync(store, options, context.Time, progress, cancellationToken);
                lines.Complete();
            }

            Write(context.Output, report);
            return 0;
        });
        return command;
    }

    public static void Write(TextWriter output, LoadReport report)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Engram: {report.Preflight.Address}, space '{report.Preflight.MemorySpaceId}', {(report.Preflight.Authenticated ? "authenticated" : "no API key")}, {report.Preflight.HealthSummary}"));
        output.WriteLine(string.Create(c, $"This run: {report.RecordsLoaded} loaded, {report.RecordsRejected} rejected in {report.Parts.Count} parts ({report.PartsAlreadyLoaded} already loaded); {report.AssociationsLoaded} associations, {report.AssociationsRemapped} remapped to a memory Engram holds in place of a merged end, {report.AssociationsRejected} edges rejected; {report.Batches} batches, {report.Retries} retries, {report.Isolations} isolated records, {report.PressurePauses} pressure pauses, {report.Elapsed.TotalSeconds:F1} s."));
        output.WriteLine("source | embedded | loaded | rejected | associations | associations remapped | edges rejected | reconciles");
        foreach (var source in report.Sources)
        {
            output.WriteLine(string.Create(c, $"{source.Source} | {source.Embedded} | {source.Loaded} | {source.Rejected} | {source.Associations} | {source.AssociationsRemapped} | {source.AssociationsRejected} | {(source.Reconciles ? "yes" : "NO")}"));
        }

        if (report.PartsNotEmbedded > 0)
        {
            output.WriteLine(string.Create(c, $"{report.PartsNotEmbedded} parts are not embedded yet: run embed, then load again{(report.AssociationsPending ? " (associations wait until every part is loaded)" : string.Empty)}."));
        }
    }
}
