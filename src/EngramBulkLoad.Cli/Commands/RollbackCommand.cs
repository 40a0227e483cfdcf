using System.CommandLine;
using System.Globalization;
using EngramBulkLoad.Loading;

namespace EngramBulkLoad.Cli.Commands;

/// <summary><c>rollback</c>: removes from Engram every memory the migration loaded, using the ids the snapshot keeps.</summary>
internal static class RollbackCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("rollback", "Remove from Engram every memory this migration loaded (Forget, DELETE) and set its parts back to embedded.")
        {
            CommonOptions.Config, CommonOptions.Snapshot, CommonOptions.MigrationId, EngramCommandSupport.Address, EngramCommandSupport.Space,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = await CommonOptions.LoadConfigAsync(parse, cancellationToken);
            var options = EngramCommandSupport.Options(config, parse);
            await using var store = await EngramCommandSupport.OpenAsync(config, context.Time, cancellationToken);
            context.Error.WriteLine($"[rollback] migration '{config.MigrationId}' from {options.Address}, space '{options.MemorySpaceId}'");
            var report = await Rollback.RunAsync(store, options, context.Time, cancellationToken);
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Rolled back migration '{report.MigrationId}': {report.Removed} memories removed of {report.MemoryIds} ids in the snapshot ({report.NotFound} not held by Engram); {report.PartsReset} parts set back to embedded; {report.Elapsed.TotalSeconds:F1} s."));
            return 0;
        });
        return command;
    }
}
