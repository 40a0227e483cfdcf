using System.Text;

namespace EngramBulkLoad.Sources.Neo4j;

/// <summary>
/// The Cypher the source sends. Names from the config (labels, property names) are quoted with backticks;
/// every value (the last key read, page sizes, watermark bounds, relationship types) is a parameter, never
/// part of the text. A collection's "where" is the operator's own Cypher, added in parentheses.
/// </summary>
internal static class CypherStatements
{
    /// <summary>One keyset page of a collection's keyed nodes, ordered by key then element id (so duplicate keys are all seen).</summary>
    public static string NodePage(Neo4jNodeCollectionOptions collection, IReadOnlyList<Neo4jNodeCollectionOptions> before, bool resume, bool backfill)
    {
        var key = KeyExpression(collection);
        var sql = new StringBuilder($"MATCH (n:{Quote(collection.Label)}) WHERE ");
        sql.Append(Scope(collection, before));
        if (collection.KeyProperty is not null)
        {
            sql.Append($" AND {key} IS NOT NULL");
        }

        if (resume)
        {
            sql.Append(collection.KeyIsElementId
                ? $" AND {key} > $after"
                : $" AND ({key} > $after OR ({key} = $after AND elementId(n) > $afterId))");
        }

        sql.Append(Backfill(collection, backfill));
        sql.Append($" RETURN {key} AS key, n AS node ORDER BY {key}");
        if (!collection.KeyIsElementId)
        {
            sql.Append(", elementId(n)");
        }

        return sql.Append(" LIMIT $limit").ToString();
    }

    /// <summary>One page of the nodes without the key property (they become rejects), in element id order.</summary>
    public static string NullKeyPage(Neo4jNodeCollectionOptions collection, IReadOnlyList<Neo4jNodeCollectionOptions> before, bool resume, bool backfill)
        => $"MATCH (n:{Quote(collection.Label)}) WHERE {Scope(collection, before)} AND {KeyExpression(collection)} IS NULL"
            + (resume ? " AND elementId(n) > $afterId" : string.Empty) + Backfill(collection, backfill)
            + " RETURN elementId(n) AS id, n AS node ORDER BY elementId(n) LIMIT $limit";

    /// <summary>The collection's nodes, counted.</summary>
    public static string Count(Neo4jNodeCollectionOptions collection, IReadOnlyList<Neo4jNodeCollectionOptions> before)
        => $"MATCH (n:{Quote(collection.Label)}) WHERE {Scope(collection, before)} RETURN count(n) AS count";

    /// <summary>Nodes of the label that have the key property at all (a check that the key is spelled right).</summary>
    public static string CountWithKey(Neo4jNodeCollectionOptions collection)
        => $"MATCH (n:{Quote(collection.Label)}) WHERE {KeyExpression(collection)} IS NOT NULL RETURN count(n) AS count";

    /// <summary>The highest watermark of the collection, above $above when given.</summary>
    public static string MaxWatermark(Neo4jNodeCollectionOptions collection, IReadOnlyList<Neo4jNodeCollectionOptions> before, bool above)
    {
        var watermark = $"n.{Quote(collection.Watermark!)}";
        return $"MATCH (n:{Quote(collection.Label)}) WHERE {Scope(collection, before)}"
            + (above ? $" AND {watermark} > $wmAbove" : string.Empty) + $" RETURN max({watermark}) AS watermark";
    }

    /// <summary>
    /// One keyset page of relationships in element id order, each with its type, properties and both ends' element ids,
    /// labels and key properties (<paramref name="keyProperties"/>, the collections' keys), from which the source finds
    /// the memory ids the node collections give the ends.
    /// </summary>
    public static string RelationshipPage(IReadOnlyList<string> keyProperties, bool byType, bool resume)
    {
        var sql = new StringBuilder("MATCH (a)-[r]->(b) WHERE true");
        if (byType)
        {
            sql.Append(" AND type(r) IN $types");
        }

        if (resume)
        {
            sql.Append(" AND elementId(r) > $after");
        }

        sql.Append(" RETURN elementId(r) AS id, type(r) AS type, properties(r) AS properties, elementId(a) AS startId, labels(a) AS startLabels");
        for (var i = 0; i < keyProperties.Count; i++)
        {
            sql.Append($", a.{Quote(keyProperties[i])} AS startKey{i}");
        }

        sql.Append(", elementId(b) AS endId, labels(b) AS endLabels");
        for (var i = 0; i < keyProperties.Count; i++)
        {
            sql.Append($", b.{Quote(keyProperties[i])} AS endKey{i}");
        }

        return sql.Append(" ORDER BY elementId(r) LIMIT $limit").ToString();
    }

    /// <summary>Relationships (of the configured types), counted.</summary>
    public static string CountRelationships(bool byType)
        => "MATCH ()-[r]->()" + (byType ? " WHERE type(r) IN $types" : string.Empty) + " RETURN count(r) AS count";

    /// <summary>A name in backticks, with backticks inside doubled (Cypher's escaping), so any label or property name is safe.</summary>
    public static string Quote(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    private static string KeyExpression(Neo4jNodeCollectionOptions collection)
        => collection.KeyProperty is { } property ? $"n.{Quote(property)}" : "elementId(n)";

    /// <summary>
    /// The nodes that belong to this collection: not those with the label of an earlier collection (a node with several
    /// configured labels belongs to the first), and only those the "where" keeps.
    /// </summary>
    private static string Scope(Neo4jNodeCollectionOptions collection, IReadOnlyList<Neo4jNodeCollectionOptions> before)
    {
        var conditions = before.Select(c => c.Label).Where(l => l != collection.Label).Distinct(StringComparer.Ordinal).Select(l => $"NOT n:{Quote(l)}").ToList();
        if (collection.Where is { } where)
        {
            conditions.Add($"(\n{where}\n)");
        }

        return conditions.Count == 0 ? "true" : string.Join(" AND ", conditions);
    }

    private static string Backfill(Neo4jNodeCollectionOptions collection, bool backfill)
    {
        if (!backfill)
        {
            return string.Empty;
        }

        var watermark = $"n.{Quote(collection.Watermark!)}";
        return $" AND ($wmAbove IS NULL OR {watermark} > $wmAbove) AND {watermark} <= $wmUpTo";
    }
}
