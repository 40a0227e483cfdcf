using System.CommandLine;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Extraction;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;
using EngramBulkLoad.Sources;
using EngramBulkLoad.Cli.Terminal;

namespace EngramBulkLoad.Cli.Commands;

/// <summary><c>extract</c>: sources into a snapshot's records, edges and rejects. Re-running resumes.</summary>
internal static class ExtractCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("extract", "Extract the config's sources into a Parquet snapshot. Run it again to resume an interrupted extract.")
        {
            CommonOptions.Config, CommonOptions.Snapshot, CommonOptions.MigrationId, CommonOptions.Overwrite, CommonOptions.OverwriteLoaded, CommonOptions.PartSize, CommonOptions.ProgressInterval,
            CommonOptions.Shard, CommonOptions.Backfill, CommonOptions.Sources, CommonOptions.RedoDamaged,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = await CommonOptions.LoadConfigAsync(parse, cancellationToken);
            await RunAsync(context, config, CommonOptions.OpenMode(parse), parse.GetValue(CommonOptions.ProgressInterval), cancellationToken, parse.GetValue(CommonOptions.RedoDamaged));
            return 0;
        });
        return command;
    }

    /// <summary>Opens the snapshot to extract <paramref name="sources"/> into: created, resumed (same sources and settings) or overwritten.</summary>
    public static async Task<SnapshotStore> OpenAsync(CliContext context, JobConfig config, IReadOnlyList<IRecordSource> sources, SnapshotOpenMode mode, CancellationToken cancellationToken)
    {
        // An unreachable server or a missing table or column stops the command before the snapshot exists:
        // a manifest written now would hold the wrong settings, and the corrected config would need --overwrite.
        foreach (var source in sources)
        {
            await source.CheckAsync(cancellationToken);
        }

        if (mode == SnapshotOpenMode.OverwriteLoaded && File.Exists(Path.Combine(config.Snapshot, SnapshotFormat.ManifestFileName)))
        {
            await using var existing = await SnapshotStore.OpenForReadAsync(config.Snapshot, context.Time, cancellationToken);
            var manifest = existing.ReadManifest();
            if (LoadState.Any(manifest))
            {
                var (parts, memories) = LoadState.Totals(manifest);
                context.Error.WriteLine($"warning: --overwrite-loaded deletes a snapshot loaded into {manifest.LoadTarget?.ToString() ?? "Engram"} ({parts} parts, {memories} memories); the next load sends every record and association again.");
            }
        }

        var entries = sources.Select(source =>
        {
            var settings = source.DescribeSettings();
            return new SourceEntry { Name = source.Name, Kind = source.Kind, Settings = settings, SettingsFingerprint = SourceSettings.Fingerprint(settings) };
        }).ToList();
        var store = await SnapshotStore.OpenForWriteAsync(config.Snapshot, config.MigrationId, entries, mode, context.Time, cancellationToken);
        var shard = config.Shard is { Count: > 1 } s ? $"{s.Index}/{s.Count}" : null;
        if (store.ReadManifest().Shard != shard)
        {
            await store.UpdateAsync(manifest => manifest.Shard = shard, cancellationToken);
        }

        return store;
    }

    /// <summary>Runs the extract stage and prints its summary; returns the counts per collection.</summary>
    public static async Task<IReadOnlyList<CollectionCounts>> RunAsync(CliContext context, JobConfig config, SnapshotOpenMode mode, TimeSpan progressInterval, CancellationToken cancellationToken, bool redoDamaged = false)
    {
        var sources = SourceRegistry.Create(config);
        try
        {
            await using var store = await OpenAsync(context, config, sources, mode, cancellationToken);
            context.Error.WriteLine($"[extract] migration '{config.MigrationId}' into {store.Folder}");
            var progress = new ExtractProgress();
            IReadOnlyList<CollectionCounts> counts;
            await using (var lines = new PeriodicLines((elapsed, done) => ExtractLine.Of(progress, elapsed, done), context.Time, context.Error, progressInterval))
            {
                var stage = new ExtractStage(store, config.Extract, progress);
                if (redoDamaged)
                {
                    DamageReport.WriteRedone(context.Error, "extract", await stage.RedoDamagedAsync(sources, cancellationToken));
                }

                counts = await stage.RunAsync(sources, cancellationToken: cancellationToken);
                foreach (var note in stage.Notes)
                {
                    context.Error.WriteLine($"[extract] {note}");
                }

                lines.Complete();
            }

            SnapshotReport.WriteCounts(context.Output, counts);
            return counts;
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }
}
