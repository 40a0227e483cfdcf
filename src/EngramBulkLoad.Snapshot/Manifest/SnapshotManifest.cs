namespace EngramBulkLoad.Snapshot.Manifest;

/// <summary>
/// The manifest.json of a snapshot folder: which migration it is, which sources it came from (without
/// secrets), which model embedded it, and every part with its state and counts. It is rewritten
/// atomically after each part completes, so it always describes files that are whole on disk.
/// </summary>
public sealed class SnapshotManifest
{
    /// <summary>The snapshot format version; a reader refuses a newer one.</summary>
    public int FormatVersion { get; set; } = SnapshotFormat.Version;

    /// <summary>Always "engram-bulkload": a manifest of another tool is refused.</summary>
    public string Tool { get; set; } = "engram-bulkload";

    /// <summary>The migration's id; also the tag every loaded memory carries.</summary>
    public required string MigrationId { get; set; }

    /// <summary>When the snapshot was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the manifest was last saved.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The sources, with their settings less secrets.</summary>
    public List<SourceEntry> Sources { get; set; } = [];

    /// <summary>
    /// "i/N" when this snapshot holds shard i of N of every source's key space (each shard process
    /// writes its own snapshot); null for the whole.
    /// </summary>
    public string? Shard { get; set; }

    /// <summary>The embedding model, once the embed stage has run.</summary>
    public ModelEntry? Model { get; set; }

    /// <summary>Extraction progress per collection (table, file, query), for resume.</summary>
    public List<CollectionProgress> Collections { get; set; } = [];

    /// <summary>Every completed part, in the order it was written.</summary>
    public List<PartEntry> Parts { get; set; } = [];

    /// <summary>
    /// The Engram and memory space the parts' load state (Loaded, load and association counts) belongs to;
    /// null until a load first reached an Engram.
    /// </summary>
    public LoadTarget? LoadTarget { get; set; }

    /// <summary>Targets this snapshot was loaded into before <c>load --new-target</c> moved its state to another one.</summary>
    public List<LoadTarget>? PreviousLoadTargets { get; set; }
}

/// <summary>One source of the migration as the config named it.</summary>
public sealed class SourceEntry
{
    /// <summary>The source's name in the job config.</summary>
    public required string Name { get; set; }

    /// <summary>The source's kind (postgres, jsonl, csv, ...).</summary>
    public required string Kind { get; set; }

    /// <summary>
    /// SHA-256 of the source's mapping settings. Resuming with a changed mapping would mix two
    /// different extractions in one snapshot, so it is refused.
    /// </summary>
    public required string SettingsFingerprint { get; set; }

    /// <summary>The settings as given, with passwords and keys removed.</summary>
    public System.Text.Json.Nodes.JsonObject? Settings { get; set; }
}

/// <summary>The model that produced the snapshot's vectors.</summary>
public sealed class ModelEntry
{
    /// <summary>The model's id, part of every vector's key.</summary>
    public required string Id { get; set; }

    /// <summary>Floats per vector.</summary>
    public required int Dimension { get; set; }

    /// <summary>"lexical" for the offline embedder, "onnx" for a model.</summary>
    public required string Kind { get; set; }
}

/// <summary>How far the extraction of one collection got.</summary>
public sealed class CollectionProgress
{
    /// <summary>The source's name.</summary>
    public required string Source { get; set; }

    /// <summary>Table, query, file or collection name.</summary>
    public required string Collection { get; set; }

    /// <summary>Where extraction resumes: the source's own position after the last completed part (a key, a line number).</summary>
    public string? Cursor { get; set; }

    /// <summary>True once every record of the collection has been staged or rejected.</summary>
    public bool Completed { get; set; }

    /// <summary>The index the next part will get.</summary>
    public int NextPartIndex { get; set; }

    /// <summary>
    /// For a source with a watermark column: the highest watermark value staged so far (the source's text
    /// form). A backfill reads only rows above it.
    /// </summary>
    public string? Watermark { get; set; }

    /// <summary>The generation of the parts being written: 0 for the first extraction, +1 per backfill.</summary>
    public int Generation { get; set; }
}
