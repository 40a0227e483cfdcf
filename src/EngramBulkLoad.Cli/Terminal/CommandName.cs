namespace EngramBulkLoad.Cli.Terminal;

/// <summary>
/// How the user can start this tool again from where they are, for hints that name a command: the name
/// <c>engram-bulkload</c> only when that is on the PATH (an installed image or tool), the <c>dotnet run</c>
/// line in a checkout of the repository, otherwise the executable's full path.
/// </summary>
internal static class CommandName
{
    private const string ToolName = "engram-bulkload";

    public static string Current { get; } = Find(Environment.CurrentDirectory, Environment.GetEnvironmentVariable("PATH"), Environment.ProcessPath);

    /// <summary>The command prefix for a process started as <paramref name="processPath"/> in <paramref name="workingDirectory"/>.</summary>
    internal static string Find(string workingDirectory, string? pathVariable, string? processPath)
    {
        var onPath = (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, ToolName)) || File.Exists(Path.Combine(folder, ToolName + ".exe")));
        if (onPath)
        {
            return ToolName;
        }

        if (File.Exists(Path.Combine(workingDirectory, "src", "EngramBulkLoad.Cli", "EngramBulkLoad.Cli.csproj")))
        {
            return "dotnet run --project src/EngramBulkLoad.Cli --";
        }

        var executable = processPath is not null && Path.GetFileNameWithoutExtension(processPath) == ToolName
            ? processPath
            : Path.Combine(AppContext.BaseDirectory, ToolName + ".dll");
        var quoted = Quote(executable);
        return executable.EndsWith(".dll", StringComparison.Ordinal) ? $"dotnet {quoted}" : quoted;
    }

    /// <summary>A path as a shell argument: quoted when it holds spaces or shell characters.</summary>
    public static string Quote(string path)
        => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '&' or ';' or '(' or ')') ? $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'" : path;
}
