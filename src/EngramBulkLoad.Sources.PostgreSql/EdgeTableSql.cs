namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>
/// The FROM of an edge table: the table with two columns added that say whether each end is the key of a
/// row of its table (after that table's "where"), so a link to nothing becomes a reject instead of an edge
/// to no memory. The ends compare as text, the form keys take in memory ids; PostgreSQL runs each
/// uncorrelated IN as one hashed subplan, so this costs one read of each end's key column per query.
/// </summary>
internal static class EdgeTableSql
{
    /// <summary>The added column: true when the "from" value is a key of the "from" table.</summary>
    public const string FromKnown = "__ebl_from_known";

    /// <summary>The added column: true when the "to" value is a key of the "to" table.</summary>
    public const string ToKnown = "__ebl_to_known";

    public static string From(PostgresCollectionOptions edgeTable, IReadOnlyList<PostgresCollectionOptions> collections)
    {
        var edges = edgeTable.Edges!;
        return $"(SELECT e.*, {Known("e." + PostgresSource.Quote(edges.From), Find(collections, edges.FromCollection))} AS {FromKnown}, "
            + $"{Known("e." + PostgresSource.Quote(edges.To), Find(collections, edges.ToCollection))} AS {ToKnown} "
            + $"FROM {PostgresSource.QuoteQualified(edgeTable.Table!)} AS e) AS src";
    }

    /// <summary>The rows of a table or query, aliased "src" as its "where" expects.</summary>
    public static string Rows(PostgresCollectionOptions collection)
        => collection.Table is { } table ? $"{PostgresSource.QuoteQualified(table)} AS src" : $"({collection.Query!.TrimEnd().TrimEnd(';')}) AS src";

    private static string Known(string value, PostgresCollectionOptions end)
        => $"COALESCE({value}::text IN (SELECT r.{PostgresSource.Quote(end.Mapping.Key[0])}::text FROM (SELECT src.* FROM {Rows(end)} WHERE TRUE{CollectionSql.Where(end)}) AS r), false)";

    private static PostgresCollectionOptions Find(IReadOnlyList<PostgresCollectionOptions> collections, string name)
        => collections.First(c => c.Name == name && c.Edges is null);
}
