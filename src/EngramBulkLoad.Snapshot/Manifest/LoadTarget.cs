namespace EngramBulkLoad.Snapshot.Manifest;

/// <summary>
/// The Engram and memory space a snapshot's load state belongs to. A part marked Loaded was acknowledged
/// by this target only: loading into another server or space starts that target from nothing (see
/// <c>load --new-target</c>), and is refused without it rather than reporting "0 loaded".
/// </summary>
public sealed class LoadTarget
{
    /// <summary>Engram's address as scheme://host:port (lower-case host, default port omitted).</summary>
    public required string Address { get; set; }

    /// <summary>The memory space the memories and associations were written to.</summary>
    public required string MemorySpace { get; set; }

    /// <summary>When a load first named this target (UTC).</summary>
    public DateTimeOffset Since { get; set; }

    /// <summary>"ADDRESS, memory space 'SPACE'", for messages.</summary>
    public override string ToString() => $"{Address}, memory space '{MemorySpace}'";

    /// <summary>The address in the form targets are recorded and compared in.</summary>
    public static string NormalizeAddress(string address)
        => Uri.TryCreate(address, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : address.TrimEnd('/');

    /// <summary>True when <paramref name="address"/> and <paramref name="memorySpace"/> name this target.</summary>
    public bool Is(string address, string memorySpace)
        => string.Equals(Address, NormalizeAddress(address), StringComparison.Ordinal) && string.Equals(MemorySpace, memorySpace, StringComparison.Ordinal);
}

/// <summary>What the manifest records of loading, whatever the target.</summary>
public static class LoadState
{
    /// <summary>
    /// True when any acknowledgement of Engram is recorded: a part Loaded, or load or association counts
    /// saved for a part. Such a snapshot's state belongs to its <see cref="SnapshotManifest.LoadTarget"/>.
    /// </summary>
    public static bool Any(SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest.Parts.Any(part => (part.State == PartState.Loaded && part.LoadedAt is not null)
            || part.Counts.Loaded is not null || part.Counts.Associations is not null);
    }

    /// <summary>The parts marked Loaded and the memories they loaded, for messages.</summary>
    public static (int Parts, long Memories) Totals(SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var loaded = manifest.Parts.Where(part => part.State == PartState.Loaded).ToList();
        return (loaded.Count, loaded.Sum(part => part.Counts.Loaded ?? 0));
    }
}
