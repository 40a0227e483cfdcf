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

    /// <summary>
    /// Advice that names a command (<see cref="Snapshot.PartFileCheck.RedoCommand"/>) gets the way this tool was
    /// started and the config path given, so it can be run as written.
    /// </summary>
    private static string WithThisCommand(string message, ParseResult parse)
    {
        message = message.Replace("'engram-bulkload ", $"'{Terminal.CommandName.Current} ", StringComparison.Ordinal);
        var options = parse.CommandResult.Command.Options;
        var config = options.Contains(Commands.CommonOptions.Config) ? parse.GetValue(Commands.CommonOptions.Config) : null;
        var snapshot = options.Contains(Commands.CommonOptions.Snapshot) ? parse.GetValue(Commands.CommonOptions.Snapshot) : null;
        var arguments = $"--config {Terminal.CommandName.Quote(config?.FullName ?? string.Empty)}{(snapshot is null ? string.Empty : $" --snapshot {Terminal.CommandName.Quote(Path.GetFullPath(snapshot))}")}";
        return config is null ? message : message.Replace("--config JOB", arguments, StringComparison.Ordinal);
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
            context.Error.WriteLine($"error: {SecretScrubber.Scrub(WithThisCommand(ex.Message, parse))}");
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
