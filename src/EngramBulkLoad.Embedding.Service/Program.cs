using EngramBulkLoad.Embedding.Service;
using EngramBulkLoad.Errors;

try
{
    var app = await EmbeddingServer.CreateAsync(args, CancellationToken.None);
    await app.RunAsync();
    return 0;
}
catch (BulkLoadException ex)
{
    // A configuration mistake (a missing or malformed model file, a bad setting) is reported as one
    // message saying what to fix, with the exit code scripts and Kubernetes can tell apart, never as a
    // stack trace and an abort.
    await Console.Error.WriteLineAsync(ex.Message);
    return ex.ExitCode;
}
