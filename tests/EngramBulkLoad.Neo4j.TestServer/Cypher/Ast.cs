namespace EngramBulkLoad.Neo4j.TestServer.Cypher;

/// <summary>An expression of the Cypher subset; <see cref="Offset"/> is where it starts in the statement (for errors).</summary>
internal abstract record Expr(int Offset);

internal sealed record Literal(int Offset, object? Value) : Expr(Offset);

internal sealed record Parameter(int Offset, string Name) : Expr(Offset);

internal sealed record Variable(int Offset, string Name) : Expr(Offset);

internal sealed record PropertyAccess(int Offset, Expr Target, string Name) : Expr(Offset);

/// <summary><c>n:Label</c> (several labels: all must be present).</summary>
internal sealed record HasLabels(int Offset, Expr Target, IReadOnlyList<string> Labels) : Expr(Offset);

internal sealed record Unary(int Offset, string Op, Expr Operand) : Expr(Offset);

internal sealed record Binary(int Offset, string Op, Expr Left, Expr Right) : Expr(Offset);

internal sealed record IsNull(int Offset, Expr Operand, bool Negated) : Expr(Offset);

internal sealed record FunctionCall(int Offset, string Name, IReadOnlyList<Expr> Arguments, bool Distinct, bool Star) : Expr(Offset);

internal sealed record ListLiteral(int Offset, IReadOnlyList<Expr> Items) : Expr(Offset);

internal sealed record MapLiteral(int Offset, IReadOnlyList<KeyValuePair<string, Expr>> Entries) : Expr(Offset);

internal enum Direction
{
    Outgoing,
    Incoming,
    Either,
}

internal sealed record NodePattern(string? Variable, IReadOnlyList<string> Labels, MapLiteral? Properties);

internal sealed record RelationshipPattern(string? Variable, IReadOnlyList<string> Types, MapLiteral? Properties, Direction Direction);

/// <summary>A path pattern: nodes, and the relationships between consecutive nodes.</summary>
internal sealed record PathPattern(IReadOnlyList<NodePattern> Nodes, IReadOnlyList<RelationshipPattern> Relationships);

internal sealed record ReturnItem(Expr Expression, string Name);

internal sealed record SortItem(Expr Expression, bool Descending);

/// <summary>
/// A statement of the subset: [MATCH patterns [WHERE predicate]]... RETURN [DISTINCT] items [ORDER BY ...] [SKIP n] [LIMIT n].
/// Every query the Neo4j source sends has this shape; so do counts and probes.
/// </summary>
internal sealed record Query(
    IReadOnlyList<PathPattern> Patterns,
    Expr? Where,
    bool Distinct,
    IReadOnlyList<ReturnItem> Items,
    IReadOnlyList<SortItem> Order,
    Expr? Skip,
    Expr? Limit);
