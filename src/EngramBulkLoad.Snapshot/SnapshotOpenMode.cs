namespace EngramBulkLoad.Snapshot;

/// <summary>What to do when the snapshot folder already holds a snapshot.</summary>
public enum SnapshotOpenMode
{
    /// <summary>Create the snapshot if the folder is empty, resume it if it holds the same migration, refuse otherwise.</summary>
    CreateOrResume = 0,

    /// <summary>Delete the snapshot the folder holds (of any migration) and start again.</summary>
    Overwrite = 1,
}
