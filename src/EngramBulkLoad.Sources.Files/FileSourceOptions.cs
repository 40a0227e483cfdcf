using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Files;

/// <summary>Settings of a file source (kind "jsonl" or "csv"), read from its config section.</summary>
public sealed class FileSourceOptions
{
    /// <summary>The documents file (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>The file's format, from the source kind.</summary>
    public required FileFormat Format { get; init; }

    /// <summary>The collection name records get (part of their memory ids). Default: the file name without extension.</summary>
    public required string Collection { get; init; }

    /// <summary>How the documents map to memories.</summary>
    public required MappingOptions Mapping { get; init; }

    /// <summary>CSV field delimiter. Default: ",".</summary>
    public string Delimiter { get; init; } = ",";

    /// <summary>The optional edges file.</summary>
    public EdgeFileOptions? Edges { get; init; }

    /// <summary>Only documents whose fields equal these values are read ("where"); null reads all.</summary>
    public FieldFilter? Where { get; init; }

    /// <summary>Reads and validates the section.</summary>
    public static FileSourceOptions From(SourceConfig config, ExtractSettings extract)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = config.Node;
        var format = config.Kind switch
        {
            "jsonl" or "ndjson" => FileFormat.JsonLines,
            "csv" => FileFormat.Csv,
            _ => throw ErrorFactory.Config(node.At("kind"), $"'{config.Kind}' is not a file kind.", "Use \"jsonl\" or \"csv\"."),
        };
        if (node.Has("watermark"))
        {
            throw ErrorFactory.Config(node.At("watermark"), "is not supported for file sources: a file records no change times the job could trust, and a backfill would re-read the whole file anyway.",
                "Remove it; extract a newer export into a new snapshot (memory ids are stable, so unchanged records load as the same memories).");
        }

        var path = ResolvePath(node, "path", config);
        var options = new FileSourceOptions
        {
            Path = path,
            Format = format,
            Collection = node.OptionalString("collection") ?? System.IO.Path.GetFileNameWithoutExtension(path),
            Mapping = MappingReader.Read(node, extract),
            Delimiter = node.OptionalString("delimiter") ?? ",",
            Edges = node.OptionalObject("edges") is { } edges ? EdgeFileOptions.Read(edges, config) : null,
            Where = FieldFilter.Read(node, "where"),
        };
        node.Allow("name", "kind");
        node.RejectUnknown();
        return options;
    }

    internal static string ResolvePath(ConfigNode node, string name, SourceConfig config)
    {
        var path = node.RequiredString(name, "Give the file's path, relative to the config file or absolute.");
        var baseDirectory = config.BaseDirectory ?? Directory.GetCurrentDirectory();
        return System.IO.Path.GetFullPath(path, baseDirectory);
    }
}

/// <summary>An edges file: one relationship per line or row, between records named by their keys.</summary>
public sealed class EdgeFileOptions
{
    /// <summary>The edges file (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>Its format. Default: the format of its extension (.csv is CSV, anything else JSON Lines).</summary>
    public required FileFormat Format { get; init; }

    /// <summary>Field holding the key of the record the edge starts at. Default: "from".</summary>
    public string From { get; init; } = "from";

    /// <summary>Field holding the key of the record the edge points to. Default: "to".</summary>
    public string To { get; init; } = "to";

    /// <summary>Field holding the relationship type. Default: "type".</summary>
    public string RelationField { get; init; } = "type";

    /// <summary>Relationship type when the row has none. Default: "related_to".</summary>
    public string DefaultRelation { get; init; } = "related_to";

    /// <summary>Field holding the weight, if any. Default: "weight".</summary>
    public string WeightField { get; init; } = "weight";

    /// <summary>Collection the "from" keys belong to. Default: the source's collection.</summary>
    public string? FromCollection { get; init; }

    /// <summary>Collection the "to" keys belong to. Default: the source's collection.</summary>
    public string? ToCollection { get; init; }

    internal static EdgeFileOptions Read(ConfigNode node, SourceConfig config)
    {
        var path = FileSourceOptions.ResolvePath(node, "path", config);
        var options = new EdgeFileOptions
        {
            Path = path,
            Format = node.OptionalString("format") switch
            {
                null => path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? FileFormat.Csv : FileFormat.JsonLines,
                "csv" => FileFormat.Csv,
                "jsonl" or "ndjson" => FileFormat.JsonLines,
                var other => throw ErrorFactory.Config(node.At("format"), $"'{other}' is not an edges file format.", "Use \"jsonl\" or \"csv\"."),
            },
            From = node.OptionalString("from") ?? "from",
            To = node.OptionalString("to") ?? "to",
            RelationField = node.OptionalString("relation") ?? "type",
            DefaultRelation = node.OptionalString("defaultRelation") ?? "related_to",
            WeightField = node.OptionalString("weight") ?? "weight",
            FromCollection = node.OptionalString("fromCollection"),
            ToCollection = node.OptionalString("toCollection"),
        };
        node.RejectUnknown();
        return options;
    }
}
