using EngramBulkLoad.Cli;

return await CliApp.RunAsync(args, new CliContext(Console.Out, Console.Error, TimeProvider.System));
