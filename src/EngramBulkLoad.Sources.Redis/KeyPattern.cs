namespace EngramBulkLoad.Sources.Redis;

/// <summary>
/// A SCAN MATCH glob, and the part of a matching key that identifies the record when the pattern's "id"
/// is "capture": the text the pattern's single '*' matched ("session:*" captures "42" from "session:42").
/// </summary>
internal sealed class KeyPattern
{
    private readonly string _prefix;
    private readonly string _suffix;

    private KeyPattern(string match, string prefix, string suffix, bool capture)
    {
        Match = match;
        _prefix = prefix;
        _suffix = suffix;
        Captures = capture;
    }

    /// <summary>The glob, as SCAN MATCH takes it.</summary>
    public string Match { get; }

    /// <summary>True when the record id is the captured part, false when it is the whole key.</summary>
    public bool Captures { get; }

    /// <summary>A pattern; with <paramref name="capture"/>, null when the glob is not one '*' between literal text (<paramref name="problem"/> says why).</summary>
    public static KeyPattern? Create(string match, bool capture, out string? problem)
    {
        problem = null;
        if (!capture)
        {
            return new KeyPattern(match, string.Empty, string.Empty, capture: false);
        }

        var star = match.IndexOf('*', StringComparison.Ordinal);
        if (star < 0 || match.IndexOf('*', star + 1) >= 0 || match.AsSpan().IndexOfAny("?[]\\") >= 0)
        {
            problem = $"\"id\": \"capture\" needs a pattern with exactly one '*' and no other glob characters (?, [ ], \\); '{match}' is not one";
            return null;
        }

        return new KeyPattern(match, match[..star], match[(star + 1)..], capture: true);
    }

    /// <summary>The record id of a key the pattern matched.</summary>
    public string IdOf(string key)
        => Captures && key.Length >= _prefix.Length + _suffix.Length && key.StartsWith(_prefix, StringComparison.Ordinal) && key.EndsWith(_suffix, StringComparison.Ordinal)
            ? key[_prefix.Length..^_suffix.Length]
            : key;
}
