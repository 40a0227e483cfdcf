using System.Globalization;

namespace EngramBulkLoad.Neo4j.TestServer.Cypher;

/// <summary>A Neo4j status error raised while planning or running a statement (code and message as Neo4j's).</summary>
internal sealed class CypherException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// Runs a parsed statement over a graph: MATCH enumerates pattern bindings (label scans, relationship expansion along
/// the direction and types given, relationship uniqueness within a match as Cypher requires), WHERE filters with
/// three-valued logic, RETURN projects (grouping by the non-aggregate items when an item aggregates), ORDER BY sorts by
/// Cypher's total order (keeping only SKIP + LIMIT rows when both are given), SKIP and LIMIT cut. Rows come lazily when
/// nothing needs sorting, so a LIMIT stops the scan early, as Neo4j's pipelined runtime does.
/// </summary>
internal sealed class Executor
{
    private readonly Query _query;
    private readonly Graph _graph;
    private readonly IReadOnlyDictionary<string, object?> _parameters;
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);

    private Executor(Query query, Graph graph, IReadOnlyDictionary<string, object?> parameters)
    {
        _query = query;
        _graph = graph;
        _parameters = parameters;
    }

    /// <summary>The result's columns.</summary>
    public IReadOnlyList<string> Fields => _query.Items.Select(i => i.Name).ToList();

    /// <summary>Checks the statement against its parameters and variables (as Neo4j does before running) and prepares it.</summary>
    public static Executor Prepare(string statement, Graph graph, IReadOnlyDictionary<string, object?> parameters)
    {
        var query = Parser.Parse(statement);
        var executor = new Executor(query, graph, parameters);
        executor.Check(statement);
        return executor;
    }

    /// <summary>The result rows, computed as they are enumerated.</summary>
    public IEnumerable<object?[]> Rows()
    {
        var skip = Count(_query.Skip, "SKIP") ?? 0;
        var limit = Count(_query.Limit, "LIMIT");
        var aggregating = _query.Items.Any(i => HasAggregate(i.Expression));
        IEnumerable<object?[]> rows;
        if (aggregating || _query.Distinct)
        {
            var projected = aggregating ? Aggregate(Filtered()) : Distinct(Filtered().Select(Project));
            rows = Sort(projected, ProjectedScope(), keep: null);
        }
        else if (_query.Order.Count > 0)
        {
            var keep = limit is { } l ? skip + l : (long?)null;
            rows = Sort(Filtered(), BindingScope(), keep).Select(Project);
        }
        else
        {
            rows = Filtered().Select(Project);
        }

        rows = rows.Skip((int)Math.Min(skip, int.MaxValue));
        return limit is { } take ? rows.Take((int)Math.Min(take, int.MaxValue)) : rows;
    }

    private void Check(string statement)
    {
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in AllExpressions().SelectMany(Walk).OfType<Parameter>().Select(p => p.Name))
        {
            if (!_parameters.ContainsKey(name))
            {
                missing.Add(name);
            }
        }

        if (missing.Count > 0)
        {
            // Neo4j: Neo.ClientError.Statement.ParameterMissing, "Expected parameter(s): a, b".
            throw new CypherException("Neo.ClientError.Statement.ParameterMissing", $"Expected parameter(s): {string.Join(", ", missing)}");
        }

        foreach (var pattern in _query.Patterns)
        {
            foreach (var variable in pattern.Nodes.Select(n => n.Variable).Concat(pattern.Relationships.Select(r => r.Variable)).OfType<string>())
            {
                _slots.TryAdd(variable, _slots.Count);
            }
        }

        var aliases = _query.Items.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var scoped = _query.Where is null ? _query.Items.Select(i => i.Expression) : _query.Items.Select(i => i.Expression).Append(_query.Where);
        foreach (var variable in scoped.SelectMany(Walk).OfType<Variable>())
        {
            if (!_slots.ContainsKey(variable.Name))
            {
                throw CypherSyntaxException.At(statement, variable.Offset, $"Variable `{variable.Name}` not defined");
            }
        }

        foreach (var variable in _query.Order.Select(o => o.Expression).SelectMany(Walk).OfType<Variable>())
        {
            if (!_slots.ContainsKey(variable.Name) && !aliases.Contains(variable.Name))
            {
                throw CypherSyntaxException.At(statement, variable.Offset, $"Variable `{variable.Name}` not defined");
            }
        }
    }

    private IEnumerable<Expr> AllExpressions()
    {
        foreach (var item in _query.Items)
        {
            yield return item.Expression;
        }

        foreach (var item in _query.Order)
        {
            yield return item.Expression;
        }

        foreach (var expression in new[] { _query.Where, _query.Skip, _query.Limit })
        {
            if (expression is not null)
            {
                yield return expression;
            }
        }

        foreach (var pattern in _query.Patterns)
        {
            foreach (var map in pattern.Nodes.Select(n => n.Properties).Concat(pattern.Relationships.Select(r => r.Properties)).OfType<MapLiteral>())
            {
                yield return map;
            }
        }
    }

    private static IEnumerable<Expr> Walk(Expr expression)
    {
        yield return expression;
        IEnumerable<Expr> children = expression switch
        {
            PropertyAccess p => [p.Target],
            HasLabels h => [h.Target],
            Unary u => [u.Operand],
            Binary b => [b.Left, b.Right],
            IsNull n => [n.Operand],
            FunctionCall f => f.Arguments,
            ListLiteral l => l.Items,
            MapLiteral m => m.Entries.Select(e => e.Value),
            _ => [],
        };
        foreach (var child in children.SelectMany(Walk))
        {
            yield return child;
        }
    }

    private static bool HasAggregate(Expr expression)
        => Walk(expression).OfType<FunctionCall>().Any(f => Parser.Aggregates.Contains(f.Name));

    private long? Count(Expr? expression, string clause)
    {
        if (expression is null)
        {
            return null;
        }

        var value = Evaluate(expression, new Scope([], null));
        if (value is not long n || n < 0)
        {
            // Neo4j 5: Neo.ClientError.Statement.ArgumentError for a LIMIT/SKIP that is not a non-negative INTEGER.
            throw new CypherException("Neo.ClientError.Statement.ArgumentError",
                $"Invalid input. '{Describe(value)}' is not a valid value. Must be a non-negative integer. ({clause})");
        }

        return n;
    }

    // ---- MATCH and WHERE -------------------------------------------------------------------------------------------

    private IEnumerable<object?[]> Filtered()
    {
        var rows = Match(0, new object?[_slots.Count], []);
        return _query.Where is { } where ? rows.Where(row => Evaluate(where, new Scope(row, null)) is true) : rows;
    }

    private IEnumerable<object?[]> Match(int patternIndex, object?[] row, List<GraphRelationship> used)
    {
        if (patternIndex == _query.Patterns.Count)
        {
            yield return (object?[])row.Clone();
            yield break;
        }

        var pattern = _query.Patterns[patternIndex];
        foreach (var start in Candidates(pattern.Nodes[0], row))
        {
            var bound = Bind(pattern.Nodes[0].Variable, start, row);
            if (bound is null)
            {
                continue;
            }

            foreach (var result in Expand(patternIndex, pattern, 0, start, row, used))
            {
                yield return result;
            }

            Unbind(pattern.Nodes[0].Variable, bound.Value, row);
        }
    }

    private IEnumerable<object?[]> Expand(int patternIndex, PathPattern pattern, int step, GraphNode from, object?[] row, List<GraphRelationship> used)
    {
        if (step == pattern.Relationships.Count)
        {
            foreach (var result in Match(patternIndex + 1, row, used))
            {
                yield return result;
            }

            yield break;
        }

        var relationshipPattern = pattern.Relationships[step];
        var nextPattern = pattern.Nodes[step + 1];
        foreach (var (relationship, next) in Steps(from, relationshipPattern.Direction))
        {
            if ((relationshipPattern.Types.Count > 0 && !relationshipPattern.Types.Contains(relationship.Type))
                || !PropertiesMatch(relationshipPattern.Properties, relationship.Properties, row)
                || !NodeMatches(nextPattern, next, row)
                || used.Contains(relationship))
            {
                continue;
            }

            var boundRelationship = Bind(relationshipPattern.Variable, relationship, row);
            if (boundRelationship is null)
            {
                continue;
            }

            var boundNode = Bind(nextPattern.Variable, next, row);
            if (boundNode is null)
            {
                Unbind(relationshipPattern.Variable, boundRelationship.Value, row);
                continue;
            }

            used.Add(relationship);
            foreach (var result in Expand(patternIndex, pattern, step + 1, next, row, used))
            {
                yield return result;
            }

            used.RemoveAt(used.Count - 1);
            Unbind(nextPattern.Variable, boundNode.Value, row);
            Unbind(relationshipPattern.Variable, boundRelationship.Value, row);
        }
    }

    private static IEnumerable<(GraphRelationship, GraphNode)> Steps(GraphNode from, Direction direction)
    {
        if (direction != Direction.Incoming)
        {
            foreach (var relationship in from.Outgoing)
            {
                yield return (relationship, relationship.End);
            }
        }

        if (direction != Direction.Outgoing)
        {
            foreach (var relationship in from.Incoming)
            {
                // A self-loop is one relationship: undirected, it is matched once, not once per direction.
                if (direction == Direction.Either && relationship.Start == relationship.End)
                {
                    continue;
                }

                yield return (relationship, relationship.Start);
            }
        }
    }

    private IEnumerable<GraphNode> Candidates(NodePattern pattern, object?[] row)
    {
        if (pattern.Variable is { } variable && row[_slots[variable]] is { } existing)
        {
            return existing is GraphNode node && NodeMatches(pattern, node, row) ? [node] : [];
        }

        var source = pattern.Labels.Count > 0
            ? pattern.Labels.Select(_graph.WithLabel).MinBy(list => list.Count)!
            : _graph.Nodes;
        return source.Where(node => NodeMatches(pattern, node, row));
    }

    private bool NodeMatches(NodePattern pattern, GraphNode node, object?[] row)
        => pattern.Labels.All(label => node.Labels.Contains(label)) && PropertiesMatch(pattern.Properties, node.Properties, row);

    private bool PropertiesMatch(MapLiteral? map, Dictionary<string, object?> properties, object?[] row)
    {
        if (map is null)
        {
            return true;
        }

        foreach (var (key, expression) in map.Entries)
        {
            if (!properties.TryGetValue(key, out var value) || CypherValues.Equal(value, Evaluate(expression, new Scope(row, null))) != true)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Binds a variable (null when the pattern has none); returns null when it is already bound to something else.</summary>
    private (bool WasBound, int Slot)? Bind(string? variable, object value, object?[] row)
    {
        if (variable is null)
        {
            return (true, -1);
        }

        var slot = _slots[variable];
        if (row[slot] is { } existing)
        {
            return ReferenceEquals(existing, value) ? (true, slot) : null;
        }

        row[slot] = value;
        return (false, slot);
    }

    private static void Unbind(string? variable, (bool WasBound, int Slot) binding, object?[] row)
    {
        if (variable is not null && !binding.WasBound)
        {
            row[binding.Slot] = null;
        }
    }

    // ---- RETURN, aggregation, ORDER BY --------------------------------------------------------------------------------

    private object?[] Project(object?[] row)
    {
        var scope = new Scope(row, null);
        var result = new object?[_query.Items.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Evaluate(_query.Items[i].Expression, scope);
        }

        return result;
    }

    private static IEnumerable<object?[]> Distinct(IEnumerable<object?[]> rows)
    {
        var kept = new List<object?[]>();
        foreach (var row in rows)
        {
            if (!kept.Any(k => SameRow(k, row)))
            {
                kept.Add(row);
                yield return row;
            }
        }
    }

    private static bool SameRow(object?[] a, object?[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (CypherValues.OrderCompare(a[i], b[i]) != 0 || (a[i] is null) != (b[i] is null))
            {
                return false;
            }
        }

        return true;
    }

    private List<object?[]> Aggregate(IEnumerable<object?[]> rows)
    {
        var items = _query.Items;
        var groups = new List<(object?[] Keys, List<object?[]> Rows)>();
        var keyIndexes = Enumerable.Range(0, items.Count).Where(i => !HasAggregate(items[i].Expression)).ToArray();
        foreach (var row in rows)
        {
            var scope = new Scope(row, null);
            var keys = keyIndexes.Select(i => Evaluate(items[i].Expression, scope)).ToArray();
            var group = groups.FindIndex(g => SameRow(g.Keys, keys));
            if (group < 0)
            {
                groups.Add((keys, [row]));
            }
            else
            {
                groups[group].Rows.Add(row);
            }
        }

        if (groups.Count == 0 && keyIndexes.Length == 0)
        {
            groups.Add(([], []));
        }

        var result = new List<object?[]>(groups.Count);
        foreach (var (keys, groupRows) in groups)
        {
            var projected = new object?[items.Count];
            var k = 0;
            for (var i = 0; i < items.Count; i++)
            {
                projected[i] = keyIndexes.Contains(i) ? keys[k++] : EvaluateAggregate(items[i].Expression, groupRows);
            }

            result.Add(projected);
        }

        return result;
    }

    private object? EvaluateAggregate(Expr expression, List<object?[]> rows)
    {
        if (expression is not FunctionCall call || !Parser.Aggregates.Contains(call.Name))
        {
            throw new CypherException("Neo.ClientError.Statement.SyntaxError", "Aggregation inside other expressions is not in this server's subset; return the aggregate on its own.");
        }

        var values = call.Star ? rows.Select(_ => (object?)1L).ToList() : rows.Select(r => Evaluate(call.Arguments[0], new Scope(r, null))).Where(v => v is not null).ToList();
        if (call.Distinct)
        {
            values = Distinct(values.Select(v => new[] { v })).Select(r => r[0]).ToList();
        }

        return call.Name.ToLowerInvariant() switch
        {
            "count" => (long)values.Count,
            "collect" => values,
            "max" => values.Count == 0 ? null : values.Aggregate((a, b) => CypherValues.OrderCompare(a, b) >= 0 ? a : b),
            "min" => values.Count == 0 ? null : values.Aggregate((a, b) => CypherValues.OrderCompare(a, b) <= 0 ? a : b),
            "sum" => values.All(v => v is long) ? values.Sum(v => (long)v!) : values.Sum(v => CypherValues.ToDouble(v!)),
            "avg" => values.Count == 0 ? null : values.Average(v => CypherValues.ToDouble(v!)),
            _ => throw new CypherException("Neo.ClientError.Statement.SyntaxError", $"Unknown function '{call.Name}'"),
        };
    }

    /// <summary>Sort scope of a non-aggregating query: the pattern's variables, with RETURN aliases standing for their expressions.</summary>
    private Func<object?[], Scope> BindingScope() => row => new Scope(row, null);

    /// <summary>Sort scope of an aggregating or DISTINCT query: only the projected columns, by alias.</summary>
    private Func<object?[], Scope> ProjectedScope()
    {
        var names = _query.Items.Select((item, i) => (item.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        return row => new Scope(row, names);
    }

    private IEnumerable<object?[]> Sort(IEnumerable<object?[]> rows, Func<object?[], Scope> scopeOf, long? keep)
    {
        if (_query.Order.Count == 0)
        {
            return rows;
        }

        var order = _query.Order.Select(o => (Expression: SubstituteAliases(o.Expression, scopeOf), o.Descending)).ToList();
        var comparer = Comparer<object?[]>.Create((a, b) =>
        {
            for (var i = 0; i < order.Count; i++)
            {
                var c = CypherValues.OrderCompare(a[i], b[i]);
                if (c != 0)
                {
                    // DESC reverses the order, nulls included (they come first), as in Neo4j.
                    return order[i].Descending ? -c : c;
                }
            }

            return 0;
        });

        // Keys are computed once per row; with a LIMIT only the first SKIP + LIMIT rows are kept (a top-k heap).
        var keyed = rows.Select(row =>
        {
            var scope = scopeOf(row);
            return (Keys: order.Select(o => Evaluate(o.Expression, scope)).ToArray(), Row: row);
        });
        if (keep is { } k && k < 1_000_000)
        {
            var heap = new PriorityQueue<(object?[] Keys, object?[] Row), object?[]>(Comparer<object?[]>.Create((a, b) => comparer.Compare(b, a)));
            foreach (var item in keyed)
            {
                if (heap.Count < k)
                {
                    heap.Enqueue(item, item.Keys);
                }
                else if (k > 0 && comparer.Compare(item.Keys, heap.Peek().Keys) < 0)
                {
                    heap.DequeueEnqueue(item, item.Keys);
                }
            }

            var top = new List<(object?[] Keys, object?[] Row)>(heap.Count);
            while (heap.Count > 0)
            {
                top.Add(heap.Dequeue());
            }

            top.Reverse();
            return top.Select(t => t.Row);
        }

        var all = keyed.ToList();
        all.Sort((a, b) => comparer.Compare(a.Keys, b.Keys));
        return all.Select(t => t.Row);
    }

    /// <summary>In a non-aggregating query, ORDER BY may name a RETURN alias: it stands for the item's expression.</summary>
    private Expr SubstituteAliases(Expr expression, Func<object?[], Scope> scopeOf)
    {
        if (scopeOf(new object?[Math.Max(_slots.Count, _query.Items.Count)]).Aliases is not null)
        {
            return expression;
        }

        return expression is Variable v && !_slots.ContainsKey(v.Name) && _query.Items.FirstOrDefault(i => i.Name == v.Name) is { } item
            ? item.Expression
            : expression;
    }

    // ---- Expressions ----------------------------------------------------------------------------------------------------

    private readonly record struct Scope(object?[] Row, Dictionary<string, int>? Aliases);

    private object? Evaluate(Expr expression, Scope scope)
    {
        switch (expression)
        {
            case Literal literal:
                return literal.Value;
            case Parameter parameter:
                return _parameters[parameter.Name];
            case Variable variable:
                if (scope.Aliases is { } aliases)
                {
                    return aliases.TryGetValue(variable.Name, out var column) ? scope.Row[column] : throw new CypherException("Neo.ClientError.Statement.SyntaxError", $"Variable `{variable.Name}` not defined");
                }

                return scope.Row[_slots[variable.Name]];
            case PropertyAccess access:
                return Evaluate(access.Target, scope) switch
                {
                    null => null,
                    GraphNode node => node.Properties.GetValueOrDefault(access.Name),
                    GraphRelationship relationship => relationship.Properties.GetValueOrDefault(access.Name),
                    Dictionary<string, object?> map => map.GetValueOrDefault(access.Name),
                    var other => throw TypeError($"Type mismatch: expected a map but was {CypherValues.TypeName(other)} ({Describe(other)})"),
                };
            case HasLabels has:
                return Evaluate(has.Target, scope) switch
                {
                    null => null,
                    GraphNode node => has.Labels.All(node.Labels.Contains),
                    var other => throw TypeError($"Type mismatch: expected Node but was {CypherValues.TypeName(other)}"),
                };
            case IsNull isNull:
                return (Evaluate(isNull.Operand, scope) is null) != isNull.Negated;
            case Unary { Op: "NOT" } not:
                return Evaluate(not.Operand, scope) switch
                {
                    null => null,
                    bool b => !b,
                    var other => throw TypeError($"Type mismatch: expected Boolean but was {CypherValues.TypeName(other)}"),
                };
            case Unary { Op: "-" } negate:
                return Evaluate(negate.Operand, scope) switch
                {
                    null => null,
                    long l => -l,
                    double d => -d,
                    var other => throw TypeError($"Type mismatch: expected a number but was {CypherValues.TypeName(other)}"),
                };
            case Binary binary:
                return EvaluateBinary(binary, scope);
            case FunctionCall call:
                return EvaluateFunction(call, scope);
            case ListLiteral list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case MapLiteral map:
                return map.Entries.ToDictionary(e => e.Key, e => Evaluate(e.Value, scope), StringComparer.Ordinal);
            default:
                throw new InvalidOperationException($"no evaluation for {expression.GetType().Name}");
        }
    }

    private object? EvaluateBinary(Binary binary, Scope scope)
    {
        if (binary.Op is "AND" or "OR" or "XOR")
        {
            var left = Logical(Evaluate(binary.Left, scope));
            if (binary.Op == "AND" && left == false)
            {
                return false;
            }

            if (binary.Op == "OR" && left == true)
            {
                return true;
            }

            var right = Logical(Evaluate(binary.Right, scope));
            return binary.Op switch
            {
                "AND" => left == true && right == true ? true : right == false ? false : null,
                "OR" => right == true ? true : left == false && right == false ? false : null,
                _ => left is null || right is null ? null : left != right,
            };
        }

        var a = Evaluate(binary.Left, scope);
        var b = Evaluate(binary.Right, scope);
        switch (binary.Op)
        {
            case "=":
                return CypherValues.Equal(a, b);
            case "<>":
                return CypherValues.Equal(a, b) is { } equal ? !equal : null;
            case "<":
                return CypherValues.Compare(a, b) is { } lt ? lt < 0 : null;
            case ">":
                return CypherValues.Compare(a, b) is { } gt ? gt > 0 : null;
            case "<=":
                return CypherValues.Compare(a, b) is { } le ? le <= 0 : null;
            case ">=":
                return CypherValues.Compare(a, b) is { } ge ? ge >= 0 : null;
            case "IN":
                if (b is null)
                {
                    return null;
                }

                if (b is not List<object?> list)
                {
                    throw TypeError($"Type mismatch: expected List<T> but was {CypherValues.TypeName(b)}");
                }

                var sawNull = false;
                foreach (var item in list)
                {
                    var e = CypherValues.Equal(a, item);
                    if (e == true)
                    {
                        return true;
                    }

                    sawNull |= e is null;
                }

                return sawNull ? null : false;
            case "STARTS WITH" or "ENDS WITH" or "CONTAINS":
                if (a is not string sa || b is not string sb)
                {
                    return null;
                }

                return binary.Op switch
                {
                    "STARTS WITH" => sa.StartsWith(sb, StringComparison.Ordinal),
                    "ENDS WITH" => sa.EndsWith(sb, StringComparison.Ordinal),
                    _ => sa.Contains(sb, StringComparison.Ordinal),
                };
            default:
                return Arithmetic(binary.Op, a, b);
        }
    }

    private static object? Arithmetic(string op, object? a, object? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        if (op == "+" && (a is string || b is string))
        {
            return Convert.ToString(a is double da ? JavaDouble.Format(da) : a, CultureInfo.InvariantCulture) + Convert.ToString(b is double db ? JavaDouble.Format(db) : b, CultureInfo.InvariantCulture);
        }

        if (op == "+" && a is List<object?> la)
        {
            return b is List<object?> lb ? new List<object?>([.. la, .. lb]) : new List<object?>([.. la, b]);
        }

        if (a is long x && b is long y)
        {
            return op switch
            {
                "+" => checked(x + y),
                "-" => checked(x - y),
                "*" => checked(x * y),
                "/" => y == 0 ? throw new CypherException("Neo.ClientError.Statement.ArithmeticError", "/ by zero") : x / y,
                "%" => y == 0 ? throw new CypherException("Neo.ClientError.Statement.ArithmeticError", "/ by zero") : x % y,
                _ => throw new InvalidOperationException(op),
            };
        }

        if (CypherValues.IsNumber(a) && CypherValues.IsNumber(b))
        {
            var dx = CypherValues.ToDouble(a);
            var dy = CypherValues.ToDouble(b);
            return op switch
            {
                "+" => dx + dy,
                "-" => dx - dy,
                "*" => dx * dy,
                "/" => dx / dy,
                "%" => dx % dy,
                _ => throw new InvalidOperationException(op),
            };
        }

        throw TypeError($"Cannot apply {op} to {CypherValues.TypeName(a)} and {CypherValues.TypeName(b)}");
    }

    private object? EvaluateFunction(FunctionCall call, Scope scope)
    {
        if (Parser.Aggregates.Contains(call.Name))
        {
            throw new CypherException("Neo.ClientError.Statement.SyntaxError", $"Invalid use of aggregating function {call.Name}(...) in this context");
        }

        var arguments = call.Arguments.Select(a => Evaluate(a, scope)).ToList();
        var first = arguments.Count > 0 ? arguments[0] : null;
        switch (call.Name.ToLowerInvariant())
        {
            case "coalesce":
                return arguments.FirstOrDefault(a => a is not null);
            case var _ when first is null:
                return null;
            case "elementid":
                return first switch
                {
                    GraphNode n => n.ElementId,
                    GraphRelationship r => r.ElementId,
                    _ => throw TypeError($"Type mismatch: expected Node or Relationship but was {CypherValues.TypeName(first)}"),
                };
            case "id":
                var elementId = first is GraphNode node ? node.ElementId : first is GraphRelationship rel ? rel.ElementId : throw TypeError("Type mismatch: expected Node or Relationship");
                return long.Parse(elementId[(elementId.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            case "labels":
                return first is GraphNode labelled ? labelled.Labels.Cast<object?>().ToList() : throw TypeError($"Type mismatch: expected Node but was {CypherValues.TypeName(first)}");
            case "type":
                return first is GraphRelationship typed ? typed.Type : throw TypeError($"Type mismatch: expected Relationship but was {CypherValues.TypeName(first)}");
            case "properties":
                return first switch
                {
                    GraphNode n => new Dictionary<string, object?>(n.Properties, StringComparer.Ordinal),
                    GraphRelationship r => new Dictionary<string, object?>(r.Properties, StringComparer.Ordinal),
                    Dictionary<string, object?> m => m,
                    _ => throw TypeError($"Type mismatch: expected a map but was {CypherValues.TypeName(first)}"),
                };
            case "keys":
                return first switch
                {
                    GraphNode n => n.Properties.Keys.Cast<object?>().ToList(),
                    GraphRelationship r => r.Properties.Keys.Cast<object?>().ToList(),
                    Dictionary<string, object?> m => m.Keys.Cast<object?>().ToList(),
                    _ => throw TypeError($"Type mismatch: expected a map but was {CypherValues.TypeName(first)}"),
                };
            case "size":
                return first switch
                {
                    string s => (long)s.Length,
                    List<object?> l => (long)l.Count,
                    _ => throw TypeError($"Type mismatch: expected String or List<T> but was {CypherValues.TypeName(first)}"),
                };
            case "tostring":
                return first switch
                {
                    double d => JavaDouble.Format(d),
                    bool b => b ? "true" : "false",
                    CypherTemporal t => t.Text,
                    _ => Convert.ToString(first, CultureInfo.InvariantCulture),
                };
            case "tointeger":
                return first switch
                {
                    long l => l,
                    double d => (long)d,
                    string s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
                    _ => null,
                };
            case "tofloat":
                return first switch
                {
                    long l => (double)l,
                    double d => d,
                    string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
                    _ => null,
                };
            case "startnode":
                return first is GraphRelationship startOf ? startOf.Start : throw TypeError("Type mismatch: expected Relationship");
            case "endnode":
                return first is GraphRelationship endOf ? endOf.End : throw TypeError("Type mismatch: expected Relationship");
            case "exists":
                return true;
            default:
                throw new CypherException("Neo.ClientError.Statement.SyntaxError", $"Unknown function '{call.Name}'");
        }
    }

    private static bool? Logical(object? value) => value switch
    {
        null => null,
        bool b => b,
        _ => throw TypeError($"Type mismatch: expected Boolean but was {CypherValues.TypeName(value)}"),
    };

    private static CypherException TypeError(string message) => new("Neo.ClientError.Statement.TypeError", message);

    private static string Describe(object? value) => value switch
    {
        null => "NULL",
        double d => JavaDouble.Format(d),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
