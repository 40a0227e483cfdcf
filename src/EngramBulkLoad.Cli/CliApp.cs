using System.CommandLine;
using EngramBulkLoad.Cli.Commands;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Cli;

/// <summary>Builds the command tree and turns failures into one clear line and an exit code.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("engram-bulkload: move an organisation's data into Engram through Parquet snapshots.");
        root.Subcommands.Add(RunCommand.Create(context));
        root.Subcommands.Add(ExtractCommand.Create(context));
        root.Subcommands.Add(EmbedCommand.Create(context));
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(LoadCommand.Create(context));
        root.Subcommands.Add(RollbackCommand.Create(context));
        root.Subcommands.Add(ValidateCommand.Create(context));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // An unknown flag or a bad value is a usage error: the documented config exit code, not the library's 1.
            foreach (var error in parse.Errors)
            {
                context.Error.WriteLine($"error: {error.Message}");
            }

            var command = parse.CommandResult.Command is RootCommand ? string.Empty : $" {parse.CommandResult.Command.Name}";
            context.Error.WriteLine($"Run '{Terminal.CommandName.Current}{command} --help' for the options.");
            return ExitCodes.Config;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = context.Output, Error = context.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (BulkLoadException ex)
        {
            context.Error.WriteLine($"error: {SecretScrubber.Scrub(ex.Message)}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("cancelled: what completed is saved in the snapshot; run the same command again to resume.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"error: {SecretScrubber.Scrub(ex.Message)}");
            return ExitCodes.Failure;
        }
    }
}
