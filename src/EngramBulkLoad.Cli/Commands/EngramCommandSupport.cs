using System.CommandLine;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Snapshot;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>What <c>load</c> and <c>rollback</c> share: the "engram" section, flag overrides, and opening the snapshot to update it.</summary>
internal static class EngramCommandSupport
{
    public static readonly Option<string?> Address = new("--engram")
    {
        Description = "Engram's gRPC address (overrides engram.address), e.g. http://localhost:50051.",
    };

    public static readonly Option<string?> Space = new("--memory-space")
    {
        Description = "The memory space (overrides engram.memorySpaceId).",
    };

    public static readonly Option<TimeSpan?> ShardWait = new("--shard-wait")
    {
        Description = "With --shard: how long the shard's associations wait for every sibling shard's memories to be loaded, e.g. 02:00:00 (overrides engram.shardWaitTimeout; default 01:00:00).",
    };

    public static readonly Option<bool> NewTarget = new(LoadTargets.NewTargetFlag)
    {
        Description = "Load into the Engram and memory space given now although the snapshot was loaded into another one: its load state is forgotten and every part is sent again to the new target (the manifest keeps the old target in its history).",
    };

    /// <summary>With --new-target: moves the snapshot's load state to <paramref name="options"/>' target (saying so), before anything is sent.</summary>
    public static async Task ApplyNewTargetAsync(CliContext context, ParseResult parse, SnapshotStore store, EngramOptions options, CancellationToken cancellationToken)
    {
        if (parse.GetValue(NewTarget) && await LoadTargets.MoveToAsync(store, options, cancellationToken) is { } previous)
        {
            context.Error.WriteLine($"[load] {LoadTargets.NewTargetFlag}: the load state of {previous} is set aside; every part is sent again to {options.Address}, space '{options.MemorySpaceId}'.");
        }
    }

    public static EngramOptions Options(JobConfig config, ParseResult parse)
    {
        var options = config.Engram is { } section ? EngramOptions.FromJson(section.Element, section.Path) : new EngramOptions();
        options.Address = parse.GetValue(Address) ?? options.Address;
        options.MemorySpaceId = parse.GetValue(Space) ?? options.MemorySpaceId;
        options.ShardWaitTimeout = parse.GetValue(ShardWait) ?? options.ShardWaitTimeout;
        return options.Validate(config.Engram?.Path ?? "engram");
    }

    /// <summary>Opens an existing snapshot for writing, resuming it with its own sources (load and rollback never change them).</summary>
    public static async Task<SnapshotStore> OpenAsync(JobConfig config, TimeProvider time, CancellationToken cancellationToken)
    {
        List<Snapshot.Manifest.SourceEntry> sources;
        await using (var existing = await SnapshotStore.OpenForReadAsync(config.Snapshot, time, cancellationToken))
        {
            var manifest = existing.ReadManifest();
            if (!string.Equals(manifest.MigrationId, config.MigrationId, StringComparison.Ordinal))
            {
                throw ErrorFactory.Snapshot(existing.Folder, $"the folder holds migration '{manifest.MigrationId}', not '{config.MigrationId}'. Pass --migration-id {manifest.MigrationId}, or point --snapshot at that migration's folder.");
            }

            sources = manifest.Sources;
        }

        return await SnapshotStore.OpenForWriteAsync(config.Snapshot, config.MigrationId, sources, SnapshotOpenMode.CreateOrResume, time, cancellationToken);
    }
}
