using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Snapshot;

/// <summary>
/// Sets a part back so that a stage does it again (<c>--redo-damaged</c>): the stage's files and counts are
/// forgotten, and so is every later stage's, since those were made from them. Associations already created
/// in Engram are kept as done: sending an edge again could strengthen it.
/// </summary>
public static class PartRedo
{
    /// <summary>Back to before the load of its memories: Embedded (a part without records or vectors stays as it is).</summary>
    public static void ForgetLoadedMemories(PartEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.State == PartState.Loaded && (entry.Files.Records is not null || entry.Files.Vectors is not null))
        {
            entry.State = PartState.Embedded;
        }

        entry.LoadedAt = null;
        entry.Counts.Loaded = null;
        entry.Counts.LoadRejected = null;
        entry.Files.LoadRejects = null;
    }

    /// <summary>Back to Extracted: vectors, embed rejects and the load of its memories forgotten.</summary>
    public static void ForgetEmbedding(PartEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ForgetLoadedMemories(entry);
        entry.State = PartState.Extracted;
        entry.EmbeddedAt = null;
        entry.Counts.Embedded = null;
        entry.Counts.EmbedRejected = null;
        entry.Files.Vectors = null;
        entry.Files.EmbedRejects = null;
    }

    /// <summary>
    /// Resets the parts whose files <paramref name="stage"/> (embed or load) writes and that are damaged, and
    /// deletes the files the reset unlisted. Refuses when an earlier stage's files of those parts are damaged too.
    /// </summary>
    /// <returns>The damaged files the reset covers (empty when nothing is damaged).</returns>
    public static async Task<IReadOnlyList<DamagedPartFile>> ResetDamagedAsync(SnapshotStore store, string stage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var manifest = store.ReadManifest();
        var damaged = await PartFileCheck.FindAsync(store, manifest, cancellationToken);
        var earlier = damaged.Where(file => Order(file.Stage) < Order(stage)).ToList();
        if (earlier.Count > 0)
        {
            var first = earlier[0];
            throw Errors.ErrorFactory.Snapshot(store.Folder,
                $"{earlier.Count} damaged file(s) belong to an earlier stage, e.g. {first.PartName}: {first.File.Path} ({first.Problem}) Run {PartFileCheck.RedoCommand(first.Stage)} first.");
        }

        var mine = damaged.Where(file => file.Stage == stage).ToList();
        if (mine.Count == 0)
        {
            return mine;
        }

        var keys = mine.Select(file => (file.Part.Source, file.Part.Collection, file.Part.Index, file.Part.Generation)).ToHashSet();
        var unlisted = manifest.Parts.Where(part => keys.Contains((part.Source, part.Collection, part.Index, part.Generation)))
            .SelectMany(part => stage == "embed" ? new[] { part.Files.Vectors, part.Files.EmbedRejects, part.Files.LoadRejects } : [part.Files.LoadRejects])
            .OfType<PartFile>().ToList();
        await store.UpdateAsync(
            m =>
            {
                foreach (var part in m.Parts.Where(part => keys.Contains((part.Source, part.Collection, part.Index, part.Generation))))
                {
                    if (stage == "embed")
                    {
                        ForgetEmbedding(part);
                    }
                    else
                    {
                        ForgetLoadedMemories(part);
                    }
                }
            },
            cancellationToken);
        foreach (var file in unlisted)
        {
            File.Delete(store.FullPath(file.Path));
        }

        return mine;
    }

    /// <summary>The stages in the order they run.</summary>
    public static int Order(string stage) => stage switch
    {
        "extract" => 0,
        "embed" => 1,
        _ => 2,
    };
}
