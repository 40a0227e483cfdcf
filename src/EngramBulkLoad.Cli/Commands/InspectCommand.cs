using System.CommandLine;
using EngramBulkLoad.Cli.Terminal;
using EngramBulkLoad.Snapshot;

namespace EngramBulkLoad.Cli.Commands;

/// <summary><c>inspect</c>: counts, schema, sample records and rejects of a snapshot.</summary>
internal static class InspectCommand
{
    private static readonly Argument<DirectoryInfo> Folder = new("snapshot") { Description = "The snapshot folder." };

    private static readonly Option<int> Samples = new("--samples")
    {
        Description = "Sample records, and rejects per reason, to show.",
        DefaultValueFactory = _ => 3,
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("inspect", "Show a snapshot: counts per source and stage, file schemas, sample records, rejects grouped by reason.") { Folder, Samples };
        command.SetAction(async (parse, cancellationToken) =>
            await RunAsync(context, parse.GetValue(Folder)!.FullName, parse.GetValue(Samples), cancellationToken) ? 0 : Errors.ExitCodes.Snapshot);
        return command;
    }

    /// <returns>True when every part file is whole; false (exit 4) when some are damaged, which the output names.</returns>
    public static async Task<bool> RunAsync(CliContext context, string folder, int samples, CancellationToken cancellationToken)
    {
        await using var store = await SnapshotStore.OpenForReadAsync(folder, context.Time, cancellationToken);
        return await SnapshotReport.WriteInspectionAsync(context.Output, store, samples, cancellationToken);
    }
}
