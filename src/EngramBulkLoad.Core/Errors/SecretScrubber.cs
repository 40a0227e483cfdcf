using System.Collections.Concurrent;

namespace EngramBulkLoad.Errors;

/// <summary>
/// Remembers every secret the job reads (passwords, API keys, tokens) and blanks them out of any
/// message before it is printed or written. Drivers sometimes echo a connection string back in an
/// error; this is the last line of defence that keeps a password off the terminal and out of logs.
/// </summary>
public static class SecretScrubber
{
    private const string Mask = "***";
    private static readonly ConcurrentDictionary<string, byte> Secrets = new(StringComparer.Ordinal);

    /// <summary>Registers a secret value; values shorter than 4 characters are ignored (too likely to be ordinary text).</summary>
    public static void Register(string? secret)
    {
        if (!string.IsNullOrEmpty(secret) && secret.Length >= 4)
        {
            Secrets.TryAdd(secret, 0);
        }
    }

    /// <summary>Returns <paramref name="text"/> with every registered secret replaced by "***".</summary>
    public static string Scrub(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in Secrets.Keys)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
