using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// How the fields of one collection become a memory. Shared by every source kind; each source's
/// config section carries one per table, query, file or collection.
/// </summary>
public sealed class MappingOptions
{
    /// <summary>Field(s) that identify a record; their values make the memory id. Required.</summary>
    public required IReadOnlyList<string> Key { get; init; }

    /// <summary>
    /// Fields whose text becomes the memory's content. Without a <see cref="Template"/> they are joined
    /// with a blank line, skipping empty ones. Required unless a template names the fields.
    /// </summary>
    public IReadOnlyList<string> Text { get; init; } = [];

    /// <summary>Optional template such as <c>"{title}\n\n{body}"</c>; <c>{{</c> and <c>}}</c> are literal braces. Default: none.</summary>
    public TextTemplate? Template { get; init; }

    /// <summary>Optional field holding the record's own time. Default: none.</summary>
    public string? Timestamp { get; init; }

    /// <summary>Fields copied into metadata; "*" (the default) means every field that is not a text field.</summary>
    public IReadOnlyList<string> MetadataInclude { get; init; } = ["*"];

    /// <summary>Fields never copied into metadata (secrets, personal data). Default: none.</summary>
    public IReadOnlyList<string> MetadataExclude { get; init; } = [];

    /// <summary>References to other collections that become edges. Default: none.</summary>
    public IReadOnlyList<ReferenceMapping> References { get; init; } = [];

    /// <summary>The memory kind of every record. Default: semantic.</summary>
    public MemoryKind Kind { get; init; } = MemoryKind.Semantic;

    /// <summary>Largest content, in UTF-8 bytes, that is staged; larger records are rejected. Default: 1 MiB.</summary>
    public int MaxContentBytes { get; init; } = 1 << 20;

    /// <summary>Every field the text needs (the template's fields, or <see cref="Text"/>).</summary>
    public IReadOnlyList<string> TextFields => Template?.Fields ?? Text;

    /// <summary>Every field the mapping names, so a source can check they exist before reading.</summary>
    public IEnumerable<string> NamedFields()
        => Key.Concat(TextFields)
            .Concat(Timestamp is null ? [] : [Timestamp])
            .Concat(References.SelectMany(reference => reference.Fields))
            .Concat(References.Select(reference => reference.WeightField).OfType<string>())
            .Concat(MetadataInclude.Where(field => field != "*"))
            .Distinct(StringComparer.Ordinal);
}

/// <summary>A field (or fields) holding the key of a record in another collection: a foreign key or a document reference.</summary>
public sealed class ReferenceMapping
{
    /// <summary>The field(s) holding the referenced record's key, in the referenced key's order.</summary>
    public required IReadOnlyList<string> Fields { get; init; }

    /// <summary>The referenced collection, as named in this source's config.</summary>
    public required string Collection { get; init; }

    /// <summary>The relationship's type; maps to an Engram association type at load. Default: the referenced collection's name.</summary>
    public required string Relation { get; init; }

    /// <summary>The relationship's weight, if the config gives one; the loader defaults and clamps it.</summary>
    public double? Weight { get; init; }

    /// <summary>A field of the row holding the relationship's weight ("weightField"), which then replaces <see cref="Weight"/> where it is not null.</summary>
    public string? WeightField { get; init; }

    /// <summary>How the objects of an array-valued reference name the key, relation and weight of each edge ("element"); null when the elements are keys.</summary>
    public ReferenceElement? Element { get; init; }
}

/// <summary>
/// The fields of each object in a reference that holds an array of objects, such as
/// "links": [{"to": "kb-2", "type": "references", "weight": 0.7}]: one edge per object.
/// </summary>
public sealed class ReferenceElement
{
    /// <summary>The object's field holding the referenced record's key ("id"). Required.</summary>
    public required string Id { get; init; }

    /// <summary>The object's field holding the relationship type ("relation"); where absent or empty, the reference's relation applies.</summary>
    public string? Relation { get; init; }

    /// <summary>The object's field holding the weight ("weight"); where absent or null, the reference's weight applies.</summary>
    public string? Weight { get; init; }
}
