namespace EngramBulkLoad.Snapshot;

/// <summary>What to do when the snapshot folder already holds a snapshot.</summary>
public enum SnapshotOpenMode
{
    /// <summary>Create the snapshot if the folder is empty, resume it if it holds the same migration, refuse otherwise.</summary>
    CreateOrResume = 0,

    /// <summary>
    /// Delete the snapshot the folder holds (of any migration) and start again; refused when that snapshot was
    /// loaded into Engram (its load state would be lost and everything sent again), see <see cref="OverwriteLoaded"/>.
    /// </summary>
    Overwrite = 1,

    /// <summary>As <see cref="Overwrite"/>, also when the snapshot was loaded: the user accepted that the next load sends everything again.</summary>
    OverwriteLoaded = 2,
}
