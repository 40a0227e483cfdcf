using System.Globalization;

namespace EngramBulkLoad.Neo4j.TestServer.Cypher;

/// <summary>
/// A recursive-descent parser for the Cypher subset the server runs (clauses: MATCH, WHERE, RETURN [DISTINCT], ORDER BY,
/// SKIP, LIMIT; expressions with Cypher's precedence: OR &lt; XOR &lt; AND &lt; NOT &lt; comparison &lt; + - &lt; * / % &lt;
/// unary - &lt; property access and label predicates). Grammar: https://neo4j.com/docs/cypher-manual/5/syntax/operators/
/// (precedence) and /patterns/ (node and relationship patterns). Anything outside the subset is a SyntaxError that says
/// what was expected, as Neo4j's would, so a client that sends something else fails loudly instead of being guessed at.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        "elementId", "id", "labels", "type", "properties", "keys", "size", "coalesce", "toString", "toInteger", "toFloat",
        "startNode", "endNode", "count", "max", "min", "sum", "avg", "collect", "exists",
    };

    internal static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase) { "count", "max", "min", "sum", "avg", "collect" };

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _position;

    private Parser(string text)
    {
        _text = text;
        _tokens = Lexer.Tokenize(text);
    }

    private Token Current => _tokens[_position];

    public static Query Parse(string statement) => new Parser(statement).ParseQuery();

    private Query ParseQuery()
    {
        var patterns = new List<PathPattern>();
        Expr? where = null;
        while (Current.IsKeyword("MATCH"))
        {
            _position++;
            patterns.Add(ParsePath());
            while (Current.IsSymbol(","))
            {
                _position++;
                patterns.Add(ParsePath());
            }

            if (Current.IsKeyword("WHERE"))
            {
                _position++;
                var predicate = ParseExpression();
                where = where is null ? predicate : new Binary(predicate.Offset, "AND", where, predicate);
            }
        }

        if (!Current.IsKeyword("RETURN"))
        {
            throw Expected(patterns.Count == 0 ? "\"MATCH\" or \"RETURN\"" : "\",\", \"MATCH\", \"WHERE\" or \"RETURN\"");
        }

        _position++;
        var distinct = false;
        if (Current.IsKeyword("DISTINCT"))
        {
            distinct = true;
            _position++;
        }

        var items = new List<ReturnItem> { ParseReturnItem() };
        while (Current.IsSymbol(","))
        {
            _position++;
            items.Add(ParseReturnItem());
        }

        var order = new List<SortItem>();
        if (Current.IsKeyword("ORDER"))
        {
            _position++;
            ExpectKeyword("BY");
            do
            {
                if (order.Count > 0)
                {
                    _position++;
                }

                var expression = ParseExpression();
                var descending = false;
                if (Current.IsKeyword("DESC") || Current.IsKeyword("DESCENDING"))
                {
                    descending = true;
                    _position++;
                }
                else if (Current.IsKeyword("ASC") || Current.IsKeyword("ASCENDING"))
                {
                    _position++;
                }

                order.Add(new SortItem(expression, descending));
            }
            while (Current.IsSymbol(","));
        }

        Expr? skip = null;
        Expr? limit = null;
        if (Current.IsKeyword("SKIP") || Current.IsKeyword("OFFSET"))
        {
            _position++;
            skip = ParseExpression();
        }

        if (Current.IsKeyword("LIMIT"))
        {
            _position++;
            limit = ParseExpression();
        }

        if (Current.IsSymbol(";"))
        {
            _position++;
        }

        if (Current.Kind != TokenKind.End)
        {
            throw Expected("\",\", \"ORDER BY\", \"SKIP\", \"LIMIT\" or the end of the statement");
        }

        return new Query(patterns, where, distinct, items, order, skip, limit);
    }

    private ReturnItem ParseReturnItem()
    {
        var start = Current.Offset;
        var expression = ParseExpression();
        var end = _tokens[_position - 1].Offset + _tokens[_position - 1].Length;
        if (Current.IsKeyword("AS"))
        {
            _position++;
            return new ReturnItem(expression, ParseName("a variable name"));
        }

        // Without AS, the column is named by the expression's text as written (Neo4j's behaviour).
        return new ReturnItem(expression, _text[start..end]);
    }

    private PathPattern ParsePath()
    {
        var nodes = new List<NodePattern> { ParseNode() };
        var relationships = new List<RelationshipPattern>();
        while (Current.IsSymbol("-") || (Current.IsSymbol("<") && Peek(1).IsSymbol("-")))
        {
            relationships.Add(ParseRelationship());
            nodes.Add(ParseNode());
        }

        return new PathPattern(nodes, relationships);
    }

    private NodePattern ParseNode()
    {
        ExpectSymbol("(");
        string? variable = null;
        if (Current.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
        {
            variable = ParseName("a variable name");
        }

        var labels = new List<string>();
        while (Current.IsSymbol(":"))
        {
            _position++;
            labels.Add(ParseName("a label name"));
        }

        var properties = Current.IsSymbol("{") ? ParseMap() : null;
        ExpectSymbol(")");
        return new NodePattern(variable, labels, properties);
    }

    private RelationshipPattern ParseRelationship()
    {
        var incoming = false;
        if (Current.IsSymbol("<"))
        {
            incoming = true;
            _position++;
        }

        ExpectSymbol("-");
        string? variable = null;
        var types = new List<string>();
        MapLiteral? properties = null;
        if (Current.IsSymbol("["))
        {
            _position++;
            if (Current.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
            {
                variable = ParseName("a variable name");
            }

            if (Current.IsSymbol(":"))
            {
                _position++;
                types.Add(ParseName("a relationship type name"));
                while (Current.IsSymbol("|"))
                {
                    _position++;
                    if (Current.IsSymbol(":"))
                    {
                        _position++;
                    }

                    types.Add(ParseName("a relationship type name"));
                }
            }

            if (Current.IsSymbol("*"))
            {
                throw Expected("\"]\", \":\" or \"{\" (variable-length relationships are not in this server's subset)");
            }

            if (Current.IsSymbol("{"))
            {
                properties = ParseMap();
            }

            ExpectSymbol("]");
        }

        ExpectSymbol("-");
        var outgoing = false;
        if (Current.IsSymbol(">"))
        {
            outgoing = true;
            _position++;
        }

        if (incoming && outgoing)
        {
            throw CypherSyntaxException.At(_text, _tokens[_position - 1].Offset, "A relationship cannot point both ways (<-[]->)");
        }

        return new RelationshipPattern(variable, types, properties, incoming ? Direction.Incoming : outgoing ? Direction.Outgoing : Direction.Either);
    }

    private Expr ParseExpression() => ParseOr();

    private Expr ParseOr()
    {
        var left = ParseXor();
        while (Current.IsKeyword("OR"))
        {
            _position++;
            left = new Binary(left.Offset, "OR", left, ParseXor());
        }

        return left;
    }

    private Expr ParseXor()
    {
        var left = ParseAnd();
        while (Current.IsKeyword("XOR"))
        {
            _position++;
            left = new Binary(left.Offset, "XOR", left, ParseAnd());
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsKeyword("AND"))
        {
            _position++;
            left = new Binary(left.Offset, "AND", left, ParseNot());
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsKeyword("NOT"))
        {
            var offset = Current.Offset;
            _position++;
            return new Unary(offset, "NOT", ParseNot());
        }

        return ParseComparison();
    }

    private Expr ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            if (Current.Kind == TokenKind.Symbol && Current.Text is "=" or "<>" or "<" or ">" or "<=" or ">=")
            {
                var op = Current.Text;
                _position++;
                left = new Binary(left.Offset, op, left, ParseAdditive());
            }
            else if (Current.IsKeyword("IS"))
            {
                _position++;
                var negated = false;
                if (Current.IsKeyword("NOT"))
                {
                    negated = true;
                    _position++;
                }

                ExpectKeyword("NULL");
                left = new IsNull(left.Offset, left, negated);
            }
            else if (Current.IsKeyword("IN"))
            {
                _position++;
                left = new Binary(left.Offset, "IN", left, ParseAdditive());
            }
            else if (Current.IsKeyword("STARTS") || Current.IsKeyword("ENDS"))
            {
                var op = Current.Text.ToUpperInvariant() + " WITH";
                _position++;
                ExpectKeyword("WITH");
                left = new Binary(left.Offset, op, left, ParseAdditive());
            }
            else if (Current.IsKeyword("CONTAINS"))
            {
                _position++;
                left = new Binary(left.Offset, "CONTAINS", left, ParseAdditive());
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.IsSymbol("+") || Current.IsSymbol("-"))
        {
            var op = Current.Text;
            _position++;
            left = new Binary(left.Offset, op, left, ParseMultiplicative());
        }

        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.IsSymbol("*") || Current.IsSymbol("/") || Current.IsSymbol("%"))
        {
            var op = Current.Text;
            _position++;
            left = new Binary(left.Offset, op, left, ParseUnary());
        }

        return left;
    }

    private Expr ParseUnary()
    {
        if (Current.IsSymbol("-"))
        {
            var offset = Current.Offset;
            _position++;
            return new Unary(offset, "-", ParseUnary());
        }

        if (Current.IsSymbol("+"))
        {
            _position++;
            return ParseUnary();
        }

        return ParsePostfix();
    }

    private Expr ParsePostfix()
    {
        var expression = ParseAtom();
        while (true)
        {
            if (Current.IsSymbol("."))
            {
                _position++;
                expression = new PropertyAccess(expression.Offset, expression, ParseName("a property key name"));
            }
            else if (Current.IsSymbol(":") && expression is Variable)
            {
                var labels = new List<string>();
                while (Current.IsSymbol(":"))
                {
                    _position++;
                    labels.Add(ParseName("a label name"));
                }

                expression = new HasLabels(expression.Offset, expression, labels);
            }
            else
            {
                return expression;
            }
        }
    }

    private Expr ParseAtom()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Integer:
                _position++;
                if (!long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
                {
                    throw CypherSyntaxException.At(_text, token.Offset, $"integer is too large: {token.Text}");
                }

                return new Literal(token.Offset, integer);
            case TokenKind.Float:
                _position++;
                return new Literal(token.Offset, double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture));
            case TokenKind.String:
                _position++;
                return new Literal(token.Offset, token.Text);
            case TokenKind.Parameter:
                _position++;
                return new Parameter(token.Offset, token.Text);
            case TokenKind.Symbol when token.Text == "(":
                _position++;
                var inner = ParseExpression();
                ExpectSymbol(")");
                return inner;
            case TokenKind.Symbol when token.Text == "[":
                _position++;
                var items = new List<Expr>();
                if (!Current.IsSymbol("]"))
                {
                    items.Add(ParseExpression());
                    while (Current.IsSymbol(","))
                    {
                        _position++;
                        items.Add(ParseExpression());
                    }
                }

                ExpectSymbol("]");
                return new ListLiteral(token.Offset, items);
            case TokenKind.Symbol when token.Text == "{":
                return ParseMap();
            case TokenKind.Identifier when token.IsKeyword("true"):
                _position++;
                return new Literal(token.Offset, true);
            case TokenKind.Identifier when token.IsKeyword("false"):
                _position++;
                return new Literal(token.Offset, false);
            case TokenKind.Identifier when token.IsKeyword("null"):
                _position++;
                return new Literal(token.Offset, null);
            case TokenKind.Identifier when Peek(1).IsSymbol("("):
                return ParseCall();
            case TokenKind.Identifier or TokenKind.QuotedIdentifier:
                _position++;
                return new Variable(token.Offset, token.Text);
            default:
                throw Expected("an expression");
        }
    }

    private FunctionCall ParseCall()
    {
        var name = Current;
        if (!Functions.Contains(name.Text))
        {
            throw CypherSyntaxException.At(_text, name.Offset, $"Unknown function '{name.Text}'");
        }

        _position += 2;
        var arguments = new List<Expr>();
        var distinct = false;
        var star = false;
        if (Current.IsSymbol("*") && name.Text.Equals("count", StringComparison.OrdinalIgnoreCase))
        {
            star = true;
            _position++;
        }
        else if (!Current.IsSymbol(")"))
        {
            if (Current.IsKeyword("DISTINCT"))
            {
                distinct = true;
                _position++;
            }

            arguments.Add(ParseExpression());
            while (Current.IsSymbol(","))
            {
                _position++;
                arguments.Add(ParseExpression());
            }
        }

        ExpectSymbol(")");
        return new FunctionCall(name.Offset, name.Text, arguments, distinct, star);
    }

    private MapLiteral ParseMap()
    {
        var offset = Current.Offset;
        ExpectSymbol("{");
        var entries = new List<KeyValuePair<string, Expr>>();
        if (!Current.IsSymbol("}"))
        {
            do
            {
                if (entries.Count > 0)
                {
                    _position++;
                }

                var key = ParseName("a property key name");
                ExpectSymbol(":");
                entries.Add(new KeyValuePair<string, Expr>(key, ParseExpression()));
            }
            while (Current.IsSymbol(","));
        }

        ExpectSymbol("}");
        return new MapLiteral(offset, entries);
    }

    private string ParseName(string what)
    {
        if (Current.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier)
        {
            return _tokens[_position++].Text;
        }

        throw Expected(what);
    }

    private void ExpectSymbol(string symbol)
    {
        if (!Current.IsSymbol(symbol))
        {
            throw Expected($"\"{symbol}\"");
        }

        _position++;
    }

    private void ExpectKeyword(string keyword)
    {
        if (!Current.IsKeyword(keyword))
        {
            throw Expected($"\"{keyword}\"");
        }

        _position++;
    }

    private Token Peek(int ahead) => _tokens[Math.Min(_position + ahead, _tokens.Count - 1)];

    private CypherSyntaxException Expected(string expected)
    {
        var found = Current.Kind == TokenKind.End ? "EOF" : Current.Kind == TokenKind.String ? _text.Substring(Current.Offset, Current.Length) : Current.Text;
        return CypherSyntaxException.Expected(_text, Current.Offset, found, expected);
    }
}
