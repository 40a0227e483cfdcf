using System.CommandLine;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Embedding.Stage;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;

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

    public static readonly Option<bool> OverwriteLoaded = new("--overwrite-loaded")
    {
        Description = "As --overwrite, also when the snapshot was already loaded into Engram: its load state is deleted and the next load sends every record and association again.",
    };

    public static readonly Option<bool> RedoDamaged = new("--redo-damaged")
    {
        Description = "Redo the parts whose files this stage writes and that are missing, truncated or corrupt (see 'inspect'): extract reads the part's key range again, embed re-embeds it, load sends its memories again.",
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

    public static readonly Option<string?> Shard = new("--shard")
    {
        Description = "Process shard i of N of every source's key space, e.g. 0/4 (default: JOB_COMPLETION_INDEX with EBL_SHARD_COUNT, as a Kubernetes Indexed Job sets them). Each shard writes its own snapshot under SNAPSHOT/shard-i-of-N.",
    };

    public static readonly Option<bool> Backfill = new("--backfill")
    {
        Description = "Extract again only the rows whose watermark column rose since the snapshot (collections with a \"watermark\").",
    };

    public static readonly Option<string?> Sources = new("--sources")
    {
        Description = "Only these sources, in this order, e.g. crm,tickets (a staged migration).",
    };

    /// <summary>What --overwrite and --overwrite-loaded ask for.</summary>
    public static SnapshotOpenMode OpenMode(ParseResult parse)
        => parse.GetValue(OverwriteLoaded) ? SnapshotOpenMode.OverwriteLoaded
            : parse.GetValue(Overwrite) ? SnapshotOpenMode.Overwrite
            : SnapshotOpenMode.CreateOrResume;

    /// <summary>Loads the config named by --config and applies the flags that override it.</summary>
    public static async Task<JobConfig> LoadConfigAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var config = Override(await JobConfigLoader.LoadAsync(parse.GetValue(Config)!.FullName, cancellationToken), parse);
        await CheckSectionsAsync(config);
        return config;
    }

    /// <summary>
    /// Checks every section of the config, whichever command runs: a typo in "engram" is reported by
    /// extract as well, before any work, not by a load hours later.
    /// </summary>
    public static async Task CheckSectionsAsync(JobConfig config)
    {
        foreach (var source in SourceRegistry.Create(config))
        {
            await source.DisposeAsync();
        }

        EmbedderFactory.Check(config.Embedding, config.BaseDirectory);
        if (config.Engram is { } engram)
        {
            EngramOptions.FromJson(engram.Element, engram.Path);
        }
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

        if (parse.GetValue(Sources) is { } names)
        {
            config = config.SelectSources([.. names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
        }

        var shard = parse.GetValue(Shard) is { } flag ? ShardSpec.Parse(flag) : ShardSpec.FromEnvironment();
        var snapshotFolder = parse.GetValue(Snapshot) is { } snapshot ? Path.GetFullPath(snapshot) : config.Snapshot;
        if (shard is { Count: > 1 })
        {
            // One snapshot per shard: shards run at the same time and each holds its folder's lock.
            snapshotFolder = Path.Combine(snapshotFolder, SnapshotLayout.ShardFolderName(shard.Index, shard.Count));
        }

        var extract = partSize is { } size ? config.Extract with { PartSize = size } : config.Extract;
        return config with
        {
            MigrationId = migrationId,
            Snapshot = snapshotFolder,
            Shard = shard,
            Extract = parse.GetValue(Backfill) ? extract with { Backfill = true } : extract,
        };
    }
}
