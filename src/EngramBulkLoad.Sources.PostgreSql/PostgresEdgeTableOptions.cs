using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// A table whose rows are relationships between records of this source's tables ("edges"): a
/// many-to-many link table such as article_links(from_id, to_id, type, weight). Each row becomes one
/// edge with its own relation and weight; it is read in key order like a table, so it resumes, shards
/// and reconciles the same way.
/// </summary>
public sealed class PostgresEdgeTableOptions
{
    /// <summary>Column holding the key of the record the edge starts at ("from"). Required.</summary>
    public required string From { get; init; }

    /// <summary>Column holding the key of the record the edge points to ("to"). Required.</summary>
    public required string To { get; init; }

    /// <summary>The table (as this source's "tables" names it) the "from" keys belong to ("fromCollection"). Required: it is part of the memory id.</summary>
    public required string FromCollection { get; init; }

    /// <summary>The table the "to" keys belong to ("toCollection"). Required.</summary>
    public required string ToCollection { get; init; }

    /// <summary>Column holding the relationship type ("relation"); null: every edge gets <see cref="DefaultRelation"/>.</summary>
    public string? Relation { get; init; }

    /// <summary>Type of the edges whose relation column is NULL or empty, or of all when there is none ("defaultRelation"). Default: "related_to".</summary>
    public string DefaultRelation { get; init; } = "related_to";

    /// <summary>Column holding each edge's weight ("weight"); null: no weight, the loader's default applies.</summary>
    public string? Weight { get; init; }

    /// <summary>Every column the edge reads, so the check can name the missing ones.</summary>
    public IEnumerable<string> Columns() => new[] { From, To, Relation, Weight }.OfType<string>();

    /// <summary>Reads one entry of "edges"; the caller checks the collections exist.</summary>
    internal static PostgresCollectionOptions Read(ConfigNode node)
    {
        var table = node.RequiredString("table", "Name the link table, e.g. \"table\": \"article_links\".");
        var name = node.OptionalString("name") ?? table;
        var edges = new PostgresEdgeTableOptions
        {
            From = node.RequiredString("from", "Name the column holding the key of the record the edge starts at, e.g. \"from\": \"from_id\"."),
            To = node.RequiredString("to", "Name the column holding the key of the record the edge points to, e.g. \"to\": \"to_id\"."),
            FromCollection = node.RequiredString("fromCollection", "Name the table (of this source's \"tables\") the \"from\" keys belong to, e.g. \"fromCollection\": \"articles\"."),
            ToCollection = node.RequiredString("toCollection", "Name the table (of this source's \"tables\") the \"to\" keys belong to, e.g. \"toCollection\": \"articles\"."),
            Relation = node.OptionalString("relation"),
            DefaultRelation = node.OptionalString("defaultRelation") ?? "related_to",
            Weight = node.OptionalString("weight"),
        };

        // The key orders the keyset read; by default the ends and the type, the natural primary key of a link table.
        var key = node.StringList("key");
        if (key.Count == 0)
        {
            key = new[] { edges.From, edges.To, edges.Relation }.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        }

        var where = node.OptionalString("where");
        if (where is not null && string.IsNullOrWhiteSpace(where))
        {
            throw ErrorFactory.Config(node.At("where"), "is empty.", "Write an SQL condition over the columns, e.g. \"where\": \"weight > 0\", or remove it.");
        }

        node.RejectUnknown();
        return new PostgresCollectionOptions
        {
            Name = name,
            Table = table,
            Mapping = new Mapping.MappingOptions { Key = key },
            Where = where,
            Edges = edges,
        };
    }
}
