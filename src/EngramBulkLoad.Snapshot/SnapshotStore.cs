using System.Text.Json;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Snapshot;

/// <summary>
/// A snapshot folder opened by one process. Writers hold an exclusive lock file for their lifetime,
/// so two runs cannot write one snapshot at once. All manifest changes go through
/// <see cref="UpdateAsync"/>, which saves atomically (write, fsync, rename): a run killed at any
/// moment leaves the previous manifest or the new one, never half of one.
/// </summary>
public sealed class SnapshotStore : IAsyncDisposable
{
    private const string LockFileName = ".lock";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly FileStream? _lock;
    private SnapshotManifest _manifest;

    private SnapshotStore(string folder, SnapshotManifest manifest, TimeProvider time, FileStream? lockFile)
    {
        Folder = folder;
        _manifest = manifest;
        _time = time;
        _lock = lockFile;
    }

    /// <summary>The snapshot folder (absolute).</summary>
    public string Folder { get; }

    /// <summary>The migration id.</summary>
    public string MigrationId => _manifest.MigrationId;

    /// <summary>The current time on the store's clock, for the stage timestamps of the manifest.</summary>
    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>True when this instance may write (it holds the folder's lock).</summary>
    public bool IsWritable => _lock is not null;

    /// <summary>
    /// Opens a snapshot folder for writing: creates it, resumes it, or (with <see cref="SnapshotOpenMode.Overwrite"/>)
    /// replaces it. Leftovers of a killed run (temporary files, parts the manifest does not list) are deleted.
    /// </summary>
    /// <param name="folder">The snapshot folder.</param>
    /// <param name="migrationId">The migration this run belongs to.</param>
    /// <param name="sources">The run's sources; on resume their fingerprints must match the snapshot's.</param>
    /// <param name="mode">What to do with an existing snapshot.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public static async Task<SnapshotStore> OpenForWriteAsync(
        string folder,
        string migrationId,
        IReadOnlyList<SourceEntry> sources,
        SnapshotOpenMode mode,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(time);
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        var lockFile = AcquireLock(folder);
        try
        {
            var manifestPath = Path.Combine(folder, SnapshotFormat.ManifestFileName);
            SnapshotManifest? existing = File.Exists(manifestPath) ? await ReadManifestAsync(folder, cancellationToken) : null;
            var overwrite = mode is SnapshotOpenMode.Overwrite or SnapshotOpenMode.OverwriteLoaded;
            if (existing is null && !overwrite)
            {
                EnsureNoForeignContent(folder);
            }

            if (existing is not null && mode == SnapshotOpenMode.Overwrite && LoadState.Any(existing))
            {
                var (parts, memories) = LoadState.Totals(existing);
                throw ErrorFactory.Snapshot(folder,
                    $"--overwrite would delete a snapshot that was loaded into Engram ({existing.LoadTarget?.ToString() ?? "target not recorded"}: {parts} parts, {memories} memories). " +
                    "Its load state goes with it, so the next load sends every record and association again (memories are rewritten under the same ids; associations sent twice may be strengthened). " +
                    "If that is what you want, add --overwrite-loaded; to keep the load state, run without --overwrite (the run resumes); nothing was deleted.");
            }

            if (existing is not null && overwrite)
            {
                DeleteSnapshotContent(folder);
                existing = null;
            }

            SnapshotManifest manifest;
            if (existing is null)
            {
                var now = time.GetUtcNow();
                manifest = new SnapshotManifest { MigrationId = migrationId, CreatedAt = now, UpdatedAt = now, Sources = [.. sources] };
            }
            else
            {
                CheckResumable(folder, existing, migrationId, sources);
                manifest = existing;
                foreach (var source in sources.Where(s => !manifest.Sources.Any(m => m.Name == s.Name)))
                {
                    manifest.Sources.Add(source);
                }
            }

            var store = new SnapshotStore(folder, manifest, time, lockFile);
            store.RemoveLeftovers();
            await store.SaveAsync(cancellationToken);
            return store;
        }
        catch
        {
            await lockFile.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens an existing snapshot to read it (inspect, reports). No lock is taken; nothing can be saved.</summary>
    public static async Task<SnapshotStore> OpenForReadAsync(string folder, TimeProvider time, CancellationToken cancellationToken)
    {
        folder = Path.GetFullPath(folder);
        if (!File.Exists(Path.Combine(folder, SnapshotFormat.ManifestFileName)))
        {
            throw ErrorFactory.Snapshot(folder, $"no {SnapshotFormat.ManifestFileName} here: this is not a snapshot folder. Run 'extract' first, or point --snapshot at the folder an extract wrote.");
        }

        var manifest = await ReadManifestAsync(folder, cancellationToken);
        return new SnapshotStore(folder, manifest, time, lockFile: null);
    }

    /// <summary>A copy of the manifest as it is now; later updates do not change it.</summary>
    public SnapshotManifest ReadManifest()
    {
        _gate.Wait();
        try
        {
            return Clone(_manifest);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies a change to the manifest and saves it atomically before returning.</summary>
    public async Task UpdateAsync(Action<SnapshotManifest> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_lock is null)
        {
            throw new InvalidOperationException("This snapshot was opened for reading; open it for writing to change it.");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Work on a copy so that a failed save leaves the in-memory manifest equal to the one on disk.
            var draft = Clone(_manifest);
            change(draft);
            draft.UpdatedAt = _time.GetUtcNow();
            await WriteAtomicallyAsync(draft, cancellationToken);
            _manifest = draft;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The absolute path of a file named by a manifest-relative path.</summary>
    public string FullPath(string relativePath) => Path.Combine(Folder, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_lock is not null)
        {
            await _lock.DisposeAsync();
        }

        _gate.Dispose();
    }

    private static FileStream AcquireLock(string folder)
    {
        try
        {
            // FileShare.None takes an advisory exclusive lock on Unix; the OS drops it when the process dies.
            return new FileStream(Path.Combine(folder, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw ErrorFactory.Snapshot(folder, "another engram-bulkload process is writing this snapshot. Wait for it to finish, or stop it, then run again.", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw ErrorFactory.Snapshot(folder, "the folder is not writable by this user. Choose another --snapshot folder or fix its permissions.", ex);
        }
    }

    private static async Task<SnapshotManifest> ReadManifestAsync(string folder, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, SnapshotFormat.ManifestFileName);
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        SnapshotManifest? manifest;
        try
        {
            manifest = ManifestJson.Deserialize(bytes);
        }
        catch (JsonException ex)
        {
            throw ErrorFactory.Snapshot(path, $"the manifest is not valid JSON ({ex.Message}). It was edited or damaged; restore it or start again with --overwrite.", ex);
        }

        if (manifest is null || string.IsNullOrEmpty(manifest.MigrationId))
        {
            throw ErrorFactory.Snapshot(path, "the manifest has no migrationId. It was not written by engram-bulkload.");
        }

        if (manifest.Tool != "engram-bulkload")
        {
            throw ErrorFactory.Snapshot(path, $"the manifest was written by '{manifest.Tool}', not engram-bulkload.");
        }

        if (manifest.FormatVersion > SnapshotFormat.Version || manifest.FormatVersion < 1)
        {
            throw ErrorFactory.Snapshot(path, $"the snapshot is format {manifest.FormatVersion}; this build reads format 1 to {SnapshotFormat.Version}. Use a matching engram-bulkload.");
        }

        return manifest;
    }

    private static void CheckResumable(string folder, SnapshotManifest existing, string migrationId, IReadOnlyList<SourceEntry> sources)
    {
        if (!string.Equals(existing.MigrationId, migrationId, StringComparison.Ordinal))
        {
            throw ErrorFactory.Snapshot(folder,
                $"the folder holds migration '{existing.MigrationId}', not '{migrationId}'. To continue that migration use --migration-id {existing.MigrationId}; to replace it pass --overwrite; or choose another --snapshot folder.");
        }

        foreach (var source in sources)
        {
            var known = existing.Sources.FirstOrDefault(s => s.Name == source.Name);
            if (known is not null && (known.Kind != source.Kind || known.SettingsFingerprint != source.SettingsFingerprint))
            {
                throw ErrorFactory.Snapshot(folder,
                    $"the settings of source '{source.Name}' changed since this snapshot was started, so resuming would mix two different extractions. Restore the old settings, pass --overwrite to start again, or use a new --migration-id and folder.");
            }
        }
    }

    private static void EnsureNoForeignContent(string folder)
    {
        var foreign = Directory.EnumerateFileSystemEntries(folder)
            .Select(Path.GetFileName)
            .Where(name => name != LockFileName)
            .Take(3)
            .ToList();
        if (foreign.Count > 0)
        {
            throw ErrorFactory.Snapshot(folder,
                $"the folder is not empty ({string.Join(", ", foreign)}) and holds no snapshot. Choose an empty or new --snapshot folder; nothing was deleted.");
        }
    }

    private static void DeleteSnapshotContent(string folder)
    {
        foreach (var owned in SnapshotLayout.OwnedFolders)
        {
            var path = Path.Combine(folder, owned);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }

        File.Delete(Path.Combine(folder, SnapshotFormat.ManifestFileName));
    }

    private static SnapshotManifest Clone(SnapshotManifest manifest) => ManifestJson.Deserialize(ManifestJson.Serialize(manifest))!;

    /// <summary>
    /// Deletes what a killed run left behind: temporary files, and complete files the manifest does not
    /// list (written, but the run died before recording them; the stage will write them again).
    /// </summary>
    private void RemoveLeftovers()
    {
        var listed = new HashSet<string>(
            _manifest.Parts.SelectMany(part => part.Files.All()).Select(file => FullPath(file.Path)),
            StringComparer.Ordinal);
        foreach (var owned in SnapshotLayout.OwnedFolders)
        {
            var path = Path.Combine(Folder, owned);
            if (!Directory.Exists(path))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
            {
                if (file.EndsWith(".tmp", StringComparison.Ordinal) || (file.EndsWith(".parquet", StringComparison.Ordinal) && !listed.Contains(file)))
                {
                    File.Delete(file);
                }
            }
        }

        // A listed file that is missing is not refused here: the stage that reads it says which stage redoes
        // it, and that stage's --redo-damaged must be able to open the snapshot (PartFileCheck).
        File.Delete(Path.Combine(Folder, SnapshotFormat.ManifestFileName + ".tmp"));
    }

    private Task SaveAsync(CancellationToken cancellationToken) => WriteAtomicallyAsync(_manifest, cancellationToken);

    private async Task WriteAtomicallyAsync(SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder, SnapshotFormat.ManifestFileName);
        var temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(ManifestJson.Serialize(manifest), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
