using EngramBulkLoad.Engram;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Loading;

/// <summary>
/// Keeps a snapshot's load state tied to the one Engram and memory space that acknowledged it
/// (<see cref="SnapshotManifest.LoadTarget"/>). A load records its target before it sends anything; a
/// load, rollback or run into another target is refused with what to do, since the parts marked Loaded
/// say nothing about that target (without this it sent nothing and reported "0 loaded").
/// </summary>
public static class LoadTargets
{
    /// <summary>The flag that moves the load state to a new target (documented in the README).</summary>
    public const string NewTargetFlag = "--new-target";

    /// <summary>
    /// Records the target of <paramref name="options"/> when the snapshot has none or has no load state yet;
    /// refuses when the snapshot's load state belongs to another target.
    /// </summary>
    public static async Task EnsureAsync(SnapshotStore snapshot, EngramOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        var manifest = snapshot.ReadManifest();
        if (manifest.LoadTarget is { } recorded && recorded.Is(options.Address, options.MemorySpaceId))
        {
            return;
        }

        // Progress journals (a load killed before any part completed) are acknowledgements of the recorded
        // target too: adopting another target would skip the rows they mark as answered.
        if (manifest.LoadTarget is { } other && (LoadState.Any(manifest) || HasJournals(snapshot)))
        {
            throw Refusal(snapshot, manifest, other, options, "load");
        }

        // No target yet (a new snapshot, or one loaded by a version that did not record it: its loaded parts
        // can only have gone to the Engram named now or the run would not resume them), or nothing was
        // acknowledged by the recorded one: this target owns the state from now on.
        await snapshot.UpdateAsync(m => m.LoadTarget = Target(options, snapshot.Now), cancellationToken);
    }

    /// <summary>Refuses a rollback of another target than the one the snapshot's load state belongs to.</summary>
    public static void EnsureRollbackTarget(SnapshotStore snapshot, EngramOptions options)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        var manifest = snapshot.ReadManifest();
        if (manifest.LoadTarget is { } recorded && !recorded.Is(options.Address, options.MemorySpaceId) && LoadState.Any(manifest))
        {
            throw ErrorFactory.Snapshot(snapshot.Folder,
                $"the migration was loaded into {recorded}, not into {Describe(options)}. A rollback there would forget nothing of this migration and still mark its parts unloaded. Roll back the recorded target: --engram {recorded.Address} --memory-space {recorded.MemorySpace}.");
        }
    }

    /// <summary>
    /// For <c>--new-target</c>: when the snapshot's load state belongs to another target, sets every part
    /// back to before its load (so everything is sent to the new target) and records the new target; the
    /// old one goes to the history. Returns the previous target, or null when nothing changed.
    /// </summary>
    public static async Task<LoadTarget?> MoveToAsync(SnapshotStore snapshot, EngramOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        var manifest = snapshot.ReadManifest();
        if (manifest.LoadTarget is not { } previous || previous.Is(options.Address, options.MemorySpaceId))
        {
            return null;
        }

        var rejectFiles = manifest.Parts.Select(part => part.Files.LoadRejects).OfType<PartFile>().ToList();
        await snapshot.UpdateAsync(
            m =>
            {
                foreach (var part in m.Parts)
                {
                    ForgetLoad(part);
                }

                (m.PreviousLoadTargets ??= []).Add(previous);
                m.LoadTarget = Target(options, snapshot.Now);
            },
            cancellationToken);
        foreach (var file in rejectFiles)
        {
            File.Delete(snapshot.FullPath(file.Path));
        }

        // What the old target answered within unfinished parts says nothing about the new one.
        DeleteJournals(snapshot);
        return previous;
    }

    /// <summary>
    /// Sets a part back to before its load: Embedded (a part without records or vectors, which has no memories to
    /// send, stays as it is), with its load and association counts and its load rejects file cleared.
    /// </summary>
    internal static void ForgetLoad(PartEntry entry)
    {
        PartRedo.ForgetLoadedMemories(entry);
        entry.Counts.Associations = null;
        entry.Counts.AssociationsRejected = null;
        entry.Counts.AssociationsRemapped = null;
    }

    /// <summary>True when a load or association journal (progress/, <see cref="ProgressJournal"/>) is in the snapshot.</summary>
    internal static bool HasJournals(SnapshotStore snapshot)
    {
        var folder = snapshot.FullPath(ProgressJournal.Root);
        return Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.jsonl", SearchOption.AllDirectories).Any();
    }

    private static void DeleteJournals(SnapshotStore snapshot)
    {
        var folder = snapshot.FullPath(ProgressJournal.Root);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static LoadTarget Target(EngramOptions options, DateTimeOffset now)
        => new() { Address = LoadTarget.NormalizeAddress(options.Address), MemorySpace = options.MemorySpaceId, Since = now };

    private static string Describe(EngramOptions options) => Target(options, default).ToString();

    private static SnapshotException Refusal(SnapshotStore snapshot, SnapshotManifest manifest, LoadTarget recorded, EngramOptions options, string command)
    {
        var (parts, memories) = LoadState.Totals(manifest);
        return ErrorFactory.Snapshot(snapshot.Folder,
            $"its load state belongs to {recorded} ({parts} of {manifest.Parts.Count} parts loaded, {memories} memories, since {recorded.Since:yyyy-MM-dd HH:mm}Z), not to {Describe(options)}; " +
            $"a {command} there would skip the loaded parts and send them nowhere. To load everything into {Describe(options)}, run the same command with {NewTargetFlag} " +
            $"(every part is sent again to the new target; the manifest then records it and keeps the old one in its history). " +
            $"To continue the recorded target, use --engram {recorded.Address} --memory-space {recorded.MemorySpace} (also when the address given is the same Engram under another name).");
    }
}
