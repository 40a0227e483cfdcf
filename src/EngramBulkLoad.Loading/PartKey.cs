using EngramBulkLoad.Snapshot.Manifest;

namespace EngramBulkLoad.Loading;

/// <summary>Identifies a part in the manifest: (source, collection, index).</summary>
internal readonly record struct PartKey(string Source, string Collection, int Index)
{
    public static PartKey Of(PartEntry part) => new(part.Source, part.Collection, part.Index);

    public PartEntry Find(SnapshotManifest manifest)
    {
        var key = this;
        return manifest.Parts.Single(part => PartKey.Of(part) == key);
    }

    public override string ToString() => $"{Source}/{Collection}#{Index}";
}
