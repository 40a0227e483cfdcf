using System.CommandLine;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>Options shared by several commands. Flags override the config file.</summary>
internal static class CommonOptions
{
    public static readonly Option<FileInfo> Config = new("--config", "-c")
    {
        Description = "The job config file (JSON or YAML): migration id, snapshot folder, sources and mappings.",
        Required = true,
    };

    public static readonly Option<string?> Snapshot = new("--snapshot", "-s")
    {
        Description = "The snapshot folder (overrides the config's \"snapshot\").",
    };

    public static readonly Option<string?> MigrationId = new("--migration-id")
    {
        Description = "The migration id (overrides the config's \"migrationId\").",
    };

    public static readonly Option<bool> Overwrite = new("--overwrite")
    {
        Description = "Delete the snapshot the folder holds (of any migration) and start again.",
    };

    public static readonly Option<int?> PartSize = new("--part-size")
    {
        Description = "Source rows per part file (overrides extract.partSize; default 50000).",
    };

    public static readonly Option<TimeSpan> ProgressInterval = new("--progress-interval")
    {
        Description = "How often a progress line is printed, e.g. 00:00:05.",
        DefaultValueFactory = _ => TimeSpan.FromSeconds(2),
    };

    /// <summary>Loads the config named by --config and applies the flags that override it.</summary>
    public static async Task<JobConfig> LoadConfigAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var config = await JobConfigLoader.LoadAsync(parse.GetValue(Config)!.FullName, cancellationToken);
        return Override(config, parse);
    }

    public static JobConfig Override(JobConfig config, ParseResult parse)
    {
        var migrationId = parse.GetValue(MigrationId) ?? config.MigrationId;
        if (JobConfig.CheckMigrationId(migrationId) is { } problem)
        {
            throw ErrorFactory.Config("--migration-id", problem, string.Empty);
        }

        var partSize = parse.GetValue(PartSize);
        if (partSize is < 1 or > 10_000_000)
        {
            throw ErrorFactory.Config("--part-size", $"expected a whole number from 1 to 10000000, found {partSize}.", string.Empty);
        }

        return config with
        {
            MigrationId = migrationId,
            Snapshot = parse.GetValue(Snapshot) is { } snapshot ? Path.GetFullPath(snapshot) : config.Snapshot,
            Extract = partSize is { } size ? config.Extract with { PartSize = size } : config.Extract,
        };
    }
}
