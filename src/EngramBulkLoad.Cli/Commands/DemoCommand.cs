using System.CommandLine;
using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>
/// <c>demo</c>: the main job on the embedded default: extracts the sample corpus that ships with the
/// tool into ./snapshots/demo and inspects it. Needs no server and no config.
/// </summary>
internal static class DemoCommand
{
    private static readonly Option<string> Snapshot = new("--snapshot", "-s")
    {
        Description = "Where to write the demo snapshot.",
        DefaultValueFactory = _ => Path.Combine("snapshots", "demo"),
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("demo", "Run the job on the bundled sample corpus (no server needed) and inspect the snapshot.") { Snapshot, CommonOptions.Overwrite };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configPath = Path.Combine(AppContext.BaseDirectory, "samples", "demo.json");
            var config = await JobConfigLoader.LoadAsync(configPath, cancellationToken);
            config = config with { Snapshot = Path.GetFullPath(parse.GetValue(Snapshot)!) };
            await ExtractCommand.RunAsync(context, config, parse.GetValue(CommonOptions.Overwrite), TimeSpan.FromSeconds(2), cancellationToken);
            context.Output.WriteLine();
            await InspectCommand.RunAsync(context, config.Snapshot, samples: 3, cancellationToken);
            context.Output.WriteLine();
            context.Output.WriteLine($"The snapshot is in {config.Snapshot}. Next: embed and load it into Engram (see README).");
            return 0;
        });
        return command;
    }
}
