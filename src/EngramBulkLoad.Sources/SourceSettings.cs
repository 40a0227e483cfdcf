using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources;

/// <summary>
/// What a snapshot remembers of a source's settings: the section less its secrets (for people
/// reading the manifest) and a fingerprint of it (so a resume with changed settings is refused).
/// </summary>
public static class SourceSettings
{
    private static readonly string[] SecretNames = ["password", "passwordenv", "apikey", "token", "secret"];

    /// <summary>The section with every secret-looking setting removed and connection-string passwords masked.</summary>
    public static JsonObject Redact(JsonElement section, Func<string, string>? redactConnectionString = null)
    {
        var node = JsonNode.Parse(section.GetRawText())!.AsObject();
        foreach (var name in node.Select(p => p.Key).ToList())
        {
            if (SecretNames.Contains(name.ToLowerInvariant()))
            {
                node.Remove(name);
            }
            else if (name.Equals("connectionString", StringComparison.OrdinalIgnoreCase) && node[name] is JsonValue value && value.TryGetValue<string>(out var cs))
            {
                node[name] = redactConnectionString?.Invoke(cs) ?? "(hidden)";
            }
        }

        return node;
    }

    /// <summary>
    /// Adds "shard": "i/N" to a source's described settings when it reads a part of its key space, so
    /// the fingerprint differs per shard and resuming a snapshot with another shard is refused.
    /// </summary>
    public static JsonObject WithShard(JsonObject settings, ShardSpec? shard)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (shard is { IsWhole: false })
        {
            settings["shard"] = shard.ToString();
        }

        return settings;
    }

    /// <summary>Hex SHA-256 of the redacted settings (which exclude secrets, so rotating a password is not a change).</summary>
    public static string Fingerprint(JsonObject redacted)
    {
        ArgumentNullException.ThrowIfNull(redacted);
        var bytes = Encoding.UTF8.GetBytes(redacted.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
