using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources.Mapping;
using Npgsql;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>Settings of a PostgreSQL source (kind "postgres"), read from its config section.</summary>
public sealed class PostgresSourceOptions
{
    /// <summary>The Npgsql connection string, with the password set from "password" when given.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The tables and queries to extract, in order.</summary>
    public required IReadOnlyList<PostgresCollectionOptions> Collections { get; init; }

    /// <summary>Reads and validates the section; the password is registered as a secret.</summary>
    public static PostgresSourceOptions From(SourceConfig config, ExtractSettings extract)
    {
        ArgumentNullException.ThrowIfNull(config);
        var node = config.Node;
        var connectionString = node.RequiredString("connectionString", "E.g. \"Host=db;Database=crm;Username=reader\"; give the password with \"password\": \"${CRM_PASSWORD}\" or the PGPASSWORD variable.");
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The message of a bad connection string may quote it; the password inside is registered first.
            SecretScrubber.Register(TryPassword(connectionString));
            throw ErrorFactory.Config(node.At("connectionString"), $"is not a valid Npgsql connection string: {SecretScrubber.Scrub(ex.Message)}", "Write it as Key=Value pairs separated by ';'.");
        }

        SecretScrubber.Register(builder.Password);
        if (node.OptionalSecret("password") is { } password)
        {
            builder.Password = password;
        }

        var tables = node.ObjectList("tables");
        if (tables.Count == 0)
        {
            throw ErrorFactory.Config(node.At("tables"), "lists no table or query.", "Add e.g. { \"table\": \"public.customers\", \"key\": \"id\", \"text\": [\"name\", \"bio\"] }.");
        }

        var collections = tables.Select(table => PostgresCollectionOptions.From(table, extract)).ToList();
        var edgeTables = node.ObjectList("edges").Select(PostgresEdgeTableOptions.Read).ToList();
        var duplicate = collections.Concat(edgeTables).GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw ErrorFactory.Config(node.At("tables"), $"names '{duplicate.Key}' twice (among \"tables\" and \"edges\").", "Give each query or edge table a distinct \"name\".");
        }

        CheckEdgeEnds(node, collections, edgeTables);

        foreach (var reference in collections.SelectMany(c => c.Mapping.References))
        {
            if (!collections.Any(c => c.Name == reference.Collection))
            {
                throw ErrorFactory.Config(node.At("tables"), $"a foreign key references '{reference.Collection}', which is not one of this source's tables.",
                    $"References name a table of the same source: {string.Join(", ", collections.Select(c => c.Name))}.");
            }
        }

        node.Allow("name", "kind");
        node.RejectUnknown();
        return new PostgresSourceOptions { ConnectionString = builder.ConnectionString, Collections = [.. collections, .. edgeTables] };
    }

    /// <summary>Each end of an edge table names one of the tables, with a one-column key, so the end's memory id is the record's own.</summary>
    private static void CheckEdgeEnds(ConfigNode node, List<PostgresCollectionOptions> collections, List<PostgresCollectionOptions> edgeTables)
    {
        for (var i = 0; i < edgeTables.Count; i++)
        {
            var edges = edgeTables[i].Edges!;
            foreach (var (setting, name) in new[] { ("fromCollection", edges.FromCollection), ("toCollection", edges.ToCollection) })
            {
                var end = collections.FirstOrDefault(c => c.Name == name)
                    ?? throw ErrorFactory.Config($"{node.At("edges")}[{i}].{setting}", $"names '{name}', which is not one of this source's tables.",
                        $"Name one of: {string.Join(", ", collections.Select(c => c.Name))}.");
                if (end.Mapping.Key.Count != 1)
                {
                    throw ErrorFactory.Config($"{node.At("edges")}[{i}].{setting}", $"names '{name}', whose key has {end.Mapping.Key.Count} columns; an edge end is one column.",
                        "Give that table a one-column key (a query can build one, e.g. a || ':' || b AS id), or leave this edge table out.");
                }
            }
        }
    }

    /// <summary>The connection string without its password, for messages and the manifest.</summary>
    public static string Redact(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            builder.Remove("Password");
            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(hidden: not a valid connection string)";
        }
    }

    private static string? TryPassword(string connectionString)
    {
        foreach (var pair in connectionString.Split(';'))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length == 2 && parts[0].Trim().Equals("password", StringComparison.OrdinalIgnoreCase))
            {
                return parts[1].Trim();
            }
        }

        return null;
    }
}

/// <summary>One table or query of a PostgreSQL source.</summary>
public sealed class PostgresCollectionOptions
{
    /// <summary>The collection's name: the table's name as written, or the query's "name". Part of memory ids.</summary>
    public required string Name { get; init; }

    /// <summary>The table ("schema.table" or "table"), when this is a table.</summary>
    public string? Table { get; init; }

    /// <summary>The SELECT, when this is a query. It is wrapped as a subquery and ordered by the key.</summary>
    public string? Query { get; init; }

    /// <summary>How rows map to memories.</summary>
    public required MappingOptions Mapping { get; init; }

    /// <summary>
    /// An SQL predicate over the collection's columns ("where"), added in parentheses to every query of the
    /// collection: rows it excludes are not source rows. Null reads every row.
    /// </summary>
    public string? Where { get; init; }

    /// <summary>How rows become edges, when this is an edge table (the source's "edges"); null for tables and queries, whose rows are records.</summary>
    public PostgresEdgeTableOptions? Edges { get; init; }

    /// <summary>Every column the collection reads by name, so the check can name the missing ones.</summary>
    public IEnumerable<string> NamedColumns()
        => Mapping.NamedFields().Concat(Edges?.Columns() ?? []).Append(Watermark).OfType<string>().Distinct(StringComparer.Ordinal);

    /// <summary>
    /// A column whose value grows whenever a row changes, such as updated_at ("watermark"): a backfill
    /// reads only rows above the value recorded by the previous extract. Null: the collection has none.
    /// </summary>
    public string? Watermark { get; init; }

    internal static PostgresCollectionOptions From(ConfigNode node, ExtractSettings extract)
    {
        var table = node.OptionalString("table");
        var query = node.OptionalString("query");
        if ((table is null) == (query is null))
        {
            throw ErrorFactory.Config(node.Path, "needs exactly one of \"table\" or \"query\".", "E.g. \"table\": \"public.customers\", or \"query\": \"SELECT ...\" with a \"name\".");
        }

        var name = node.OptionalString("name") ?? table;
        if (name is null)
        {
            throw ErrorFactory.Config(node.At("name"), "is required for a query: it names the collection in memory ids and reports.", "E.g. \"name\": \"recent_orders\".");
        }

        var where = node.OptionalString("where");
        if (where is not null && string.IsNullOrWhiteSpace(where))
        {
            throw ErrorFactory.Config(node.At("where"), "is empty.", "Write an SQL condition over the columns, e.g. \"where\": \"region = 'eu' AND NOT archived\", or remove it.");
        }

        var options = new PostgresCollectionOptions
        {
            Name = name,
            Table = table,
            Query = query,
            Mapping = MappingReader.Read(node, extract),
            Where = where,
            Watermark = node.OptionalString("watermark"),
        };
        node.RejectUnknown();
        return options;
    }
}
