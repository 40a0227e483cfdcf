namespace EngramBulkLoad.Errors;

/// <summary>
/// The one place failures are built, so every message carries its context the same way:
/// "source 'crm', table 'public.orders': ...". Secrets are scrubbed here as well.
/// </summary>
public static class ErrorFactory
{
    /// <summary>A config problem at a JSON path such as <c>sources[0].tables[1].key</c>.</summary>
    public static ConfigException Config(string path, string problem, string fix)
        => new(SecretScrubber.Scrub($"Config error at '{path}': {problem} {fix}".TrimEnd()));

    /// <summary>A failure of one source, optionally naming the table, collection or file.</summary>
    public static SourceException Source(string source, string? collection, string problem, Exception? inner = null, bool isTransient = false)
        => new(SecretScrubber.Scrub($"{Where(source, collection)}: {problem}"), inner, isTransient);

    /// <summary>A problem with a snapshot file or folder; always names the path.</summary>
    public static SnapshotException Snapshot(string path, string problem, Exception? inner = null)
        => new($"Snapshot '{path}': {problem}", inner);

    private static string Where(string source, string? collection)
        => collection is null ? $"Source '{source}'" : $"Source '{source}', '{collection}'";
}
