using System.CommandLine;
using System.Globalization;
using EngramBulkLoad.Engram;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Validation;
using EngramBulkLoad.Validation.NearDuplicates;

namespace EngramBulkLoad.Cli.Commands;

/// <summary>
/// <c>validate</c>: checks a snapshot and what Engram holds of it, writes report.json, report.md and
/// report.html, prints a summary, and exits with <see cref="ExitCodes.ValidationFailed"/> when a check failed.
/// </summary>
internal static class ValidateCommand
{
    private static readonly Option<bool> NoEngram = new("--no-engram")
    {
        Description = "Validate the snapshot only; the checks that ask Engram are reported as skipped.",
    };

    private static readonly Option<int> Sample = new("--sample")
    {
        Description = "Loaded records recalled from Engram by their own vector (seeded random sample; 0 turns it off).",
        DefaultValueFactory = _ => 200,
    };

    private static readonly Option<string> Recall = new("--recall")
    {
        Description = "sample (default): recall the --sample records; all: also recall every loaded record by its own vector, naming any lost memory (one Recall per record).",
        DefaultValueFactory = _ => "sample",
    };

    private static readonly Option<int> TopK = new("--top-k")
    {
        Description = "A sampled record must come back among this many results.",
        DefaultValueFactory = _ => 10,
    };

    private static readonly Option<string?> Report = new("--report")
    {
        Description = "Folder for report.json, report.md and report.html (default: <snapshot>/report).",
    };

    private static readonly Option<bool> SharedSpace = new("--shared-space")
    {
        Description = "The memory space holds other data too: more memories than expected is a warning, not a failure.",
    };

    private static readonly Option<MergeStrategy> Strategy = new("--merge-strategy")
    {
        Description = "What Engram does with a near-duplicate (cosine >= 0.95): KeepHighestConfidence (Engram's default; the confidences are the engram section's, per source kind) keeps the one of higher confidence, the first of equals; Skip always keeps the first, Replace the last; None: the Engram does not deduplicate (expected count = loaded count).",
        DefaultValueFactory = _ => MergeStrategy.KeepHighestConfidence,
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("validate", "Check a loaded snapshot: counts reconcile per source and stage, ids, relationships, embeddings, metadata, confidence, Engram's count and recall of a sample. Writes report.json, report.md and report.html.")
        {
            CommonOptions.Config, CommonOptions.Snapshot, CommonOptions.MigrationId, CommonOptions.Shard, EngramCommandSupport.Address, EngramCommandSupport.Space,
            NoEngram, Sample, Recall, TopK, Report, SharedSpace, Strategy,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var config = await CommonOptions.LoadConfigAsync(parse, cancellationToken);
            var recall = parse.GetValue(Recall);
            if (recall is not ("sample" or "all"))
            {
                throw ErrorFactory.Config("--recall", $"expected 'sample' or 'all', found '{recall}'.", "Pass --recall all to recall every loaded record, or leave it out.");
            }

            var lastReport = TimeSpan.Zero;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var options = new ValidationOptions
            {
                RecallAll = recall == "all",
                RecallProgress = (done, total) =>
                {
                    // A line every 2 seconds on stderr, and the last one.
                    lock (clock)
                    {
                        if (done == total || clock.Elapsed - lastReport >= TimeSpan.FromSeconds(2))
                        {
                            lastReport = clock.Elapsed;
                            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[validate] recall all: {done:N0} of {total:N0} records ({done / Math.Max(clock.Elapsed.TotalSeconds, 0.001):N0}/s)"));
                        }
                    }
                },
                SampleSize = parse.GetValue(Sample),
                TopK = parse.GetValue(TopK),
                SharedSpace = parse.GetValue(SharedSpace),
                NearDuplicates = new NearDuplicateOptions { Strategy = parse.GetValue(Strategy) },
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw ErrorFactory.Config($"--{ex.ParamName}", ex.Message, "See validate --help.");
            }

            await using var store = await SnapshotStore.OpenForReadAsync(config.Snapshot, context.Time, cancellationToken);
            if (!string.Equals(store.MigrationId, config.MigrationId, StringComparison.Ordinal))
            {
                throw ErrorFactory.Snapshot(store.Folder, $"the folder holds migration '{store.MigrationId}', not '{config.MigrationId}'. Pass --migration-id {store.MigrationId}, or point --snapshot at that migration's folder.");
            }

            // The confidences of the engram section decide which near-duplicate Engram keeps, with or without --no-engram.
            var engramOptions = EngramCommandSupport.Options(config, parse);
            options.NearDuplicates = options.NearDuplicates.WithConfidences(engramOptions, store.ReadManifest());
            if (engramOptions.Deduplication == "none" && parse.GetResult(Strategy) is null or { Implicit: true })
            {
                // engram.deduplication "none": every memory is held, unless --merge-strategy says otherwise.
                options.NearDuplicates.Strategy = MergeStrategy.None;
            }
            await using var engram = parse.GetValue(NoEngram) ? null : EngramClient.Create(engramOptions, context.Time);
            var report = await RunAsync(context, store, engram, options, parse.GetValue(Report), cancellationToken);
            return report.Passed ? ExitCodes.Success : ExitCodes.ValidationFailed;
        });
        return command;
    }

    /// <summary>Validates, writes the three report files (default folder: SNAPSHOT/report) and prints the summary.</summary>
    public static async Task<ValidationReport> RunAsync(CliContext context, SnapshotStore store, EngramClient? engram, ValidationOptions options, string? reportFolder, CancellationToken cancellationToken)
    {
        context.Error.WriteLine($"[validate] migration '{store.MigrationId}' in {store.Folder}{(engram is null ? " (snapshot only)" : $" against {engram.Options.Describe()}, space '{engram.Options.MemorySpaceId}'")}");
        var report = await Validator.RunAsync(store, engram, options, context.Time, cancellationToken);
        var folder = Path.GetFullPath(reportFolder ?? Path.Combine(store.Folder, "report"));
        var written = await ValidationReportWriter.WriteAsync(report, folder, cancellationToken);
        Write(context.Output, report, written);
        return report;
    }

    private static void Write(TextWriter output, ValidationReport report, IReadOnlyList<string> written)
    {
        var width = report.Checks.Max(check => check.Name.Length);
        foreach (var check in report.Checks)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{check.Name.PadRight(width)}  {check.Status.ToString().ToUpperInvariant(),-7}  {check.Message}"));
            foreach (var example in check.Examples.Take(5))
            {
                // Examples can list hundreds of ids; the full list is in the report files.
                output.WriteLine($"{string.Empty.PadRight(width)}           - {(example.Length > 200 ? example[..200] + " ..." : example)}");
            }
        }

        output.WriteLine();
        output.WriteLine($"Validation {(report.Passed ? "PASSED" : "FAILED")}. Reports: {string.Join(", ", written)}");
    }
}
