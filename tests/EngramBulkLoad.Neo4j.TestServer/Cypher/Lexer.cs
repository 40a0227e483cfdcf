using System.Globalization;
using System.Text;

namespace EngramBulkLoad.Neo4j.TestServer.Cypher;

internal enum TokenKind
{
    Identifier,
    QuotedIdentifier,
    String,
    Integer,
    Float,
    Parameter,
    Symbol,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Offset, int Length)
{
    /// <summary>True for an unquoted identifier equal to the keyword (keywords are case-insensitive in Cypher).</summary>
    public bool IsKeyword(string keyword) => Kind == TokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    public bool IsSymbol(string symbol) => Kind == TokenKind.Symbol && Text == symbol;
}

/// <summary>
/// Splits a Cypher statement into tokens: identifiers (plain, or in backticks with `` for a backtick), string literals in
/// single or double quotes with backslash escapes, integers, floats, $parameters, symbols; // and /* */ comments are skipped.
/// Lexical rules: https://neo4j.com/docs/cypher-manual/5/syntax/naming/ and /syntax/expressions/ (string literal escapes).
/// </summary>
internal static class Lexer
{
    private static readonly string[] TwoCharSymbols = ["<=", ">=", "<>", "=~"];

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length)
            {
                if (char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
                else if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/')
                {
                    while (i < text.Length && text[i] != '\n')
                    {
                        i++;
                    }
                }
                else if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*')
                {
                    var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    if (end < 0)
                    {
                        throw CypherSyntaxException.At(text, i, "Failed to parse comment. A comment starting on `/*` must have a closing `*/`.");
                    }

                    i = end + 2;
                }
                else
                {
                    break;
                }
            }

            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, string.Empty, text.Length, 0));
                return tokens;
            }

            var start = i;
            var c = text[i];
            if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], start, i - start));
            }
            else if (c == '`')
            {
                var name = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw CypherSyntaxException.At(text, start, "Failed to parse quoted identifier: a name starting with ` must end with `.");
                    }

                    if (text[i] == '`')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '`')
                        {
                            name.Append('`');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    name.Append(text[i++]);
                }

                tokens.Add(new Token(TokenKind.QuotedIdentifier, name.ToString(), start, i - start));
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new Token(TokenKind.String, ReadString(text, ref i), start, i - start));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                var isFloat = false;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
                {
                    isFloat = true;
                    i++;
                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }

                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    isFloat = true;
                    i++;
                    if (i < text.Length && text[i] is '+' or '-')
                    {
                        i++;
                    }

                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }

                tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, text[start..i], start, i - start));
            }
            else if (c == '$')
            {
                i++;
                if (i < text.Length && text[i] == '`')
                {
                    var quoted = Tokenize(text[i..]).First();
                    i += quoted.Length;
                    tokens.Add(new Token(TokenKind.Parameter, quoted.Text, start, i - start));
                    continue;
                }

                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                if (i == start + 1)
                {
                    throw CypherSyntaxException.Expected(text, start + 1, i < text.Length ? text[i].ToString() : "EOF", "a parameter name");
                }

                tokens.Add(new Token(TokenKind.Parameter, text[(start + 1)..i], start, i - start));
            }
            else
            {
                var two = i + 1 < text.Length ? text.Substring(i, 2) : null;
                if (two is not null && TwoCharSymbols.Contains(two))
                {
                    tokens.Add(new Token(TokenKind.Symbol, two, start, 2));
                    i += 2;
                }
                else if ("()[]{},.:|;=<>+-*/%^".Contains(c, StringComparison.Ordinal))
                {
                    tokens.Add(new Token(TokenKind.Symbol, c.ToString(), start, 1));
                    i++;
                }
                else
                {
                    throw CypherSyntaxException.Expected(text, start, c.ToString(), "an expression, a pattern or a clause");
                }
            }
        }
    }

    private static string ReadString(string text, ref int i)
    {
        var quote = text[i];
        var start = i;
        var value = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                throw CypherSyntaxException.At(text, start, "Failed to parse string literal. The query must contain an even number of non-escaped quotes.");
            }

            var c = text[i++];
            if (c == quote)
            {
                return value.ToString();
            }

            if (c != '\\')
            {
                value.Append(c);
                continue;
            }

            if (i >= text.Length)
            {
                continue;
            }

            var escape = text[i++];
            switch (escape)
            {
                case 't': value.Append('\t'); break;
                case 'b': value.Append('\b'); break;
                case 'n': value.Append('\n'); break;
                case 'r': value.Append('\r'); break;
                case 'f': value.Append('\f'); break;
                case '\'': value.Append('\''); break;
                case '"': value.Append('"'); break;
                case '\\': value.Append('\\'); break;
                case 'u' when i + 4 <= text.Length:
                    value.Append((char)int.Parse(text.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default:
                    value.Append('\\').Append(escape);
                    break;
            }
        }
    }
}

/// <summary>
/// Neo.ClientError.Statement.SyntaxError, with Neo4j 5's message shape: what was found, what was expected, where
/// ("(line 1, column 8 (offset: 7))"), then the statement line and a caret under the position. Example of the shape:
/// https://neo4j.com/docs/http-api/current/error-handling/ ("Invalid input 'T': expected &lt;init&gt; (line 1, column 1 (offset: 0))").
/// </summary>
internal sealed class CypherSyntaxException(string message) : Exception(message)
{
    public static CypherSyntaxException Expected(string statement, int offset, string found, string expected)
        => At(statement, offset, $"Invalid input '{found}': expected {expected}");

    public static CypherSyntaxException At(string statement, int offset, string problem)
    {
        var lineStart = statement.LastIndexOf('\n', Math.Max(0, Math.Min(offset, statement.Length) - 1)) + 1;
        if (offset == 0)
        {
            lineStart = 0;
        }

        var lineEnd = statement.IndexOf('\n', Math.Min(offset, statement.Length));
        var line = statement[lineStart..(lineEnd < 0 ? statement.Length : lineEnd)];
        var lineNumber = statement.AsSpan(0, Math.Min(offset, statement.Length)).Count('\n') + 1;
        var column = offset - lineStart + 1;
        return new CypherSyntaxException(string.Create(CultureInfo.InvariantCulture,
            $"{problem} (line {lineNumber}, column {column} (offset: {offset}))\n\"{line}\"\n{new string(' ', column)}^"));
    }
}
