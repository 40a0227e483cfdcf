using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Configuration;

/// <summary>
/// A JSON object of the job config with its path ("sources[0].tables[1]"), so every problem is
/// reported where it is. Strings expand <c>${ENV_VAR}</c>; settings a section does not know are
/// refused, because a misspelt setting silently ignored is a migration done wrong.
/// </summary>
public sealed partial class ConfigNode
{
    private readonly JsonElement _element;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Wraps an element found at <paramref name="path"/>.</summary>
    public ConfigNode(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ErrorFactory.Config(path, $"expected an object, found {Describe(element)}.", "Write it as { \"name\": value, ... }.");
        }

        _element = element;
        Path = path;
    }

    /// <summary>Where this node is in the config file.</summary>
    public string Path { get; }

    /// <summary>The underlying JSON, for sections handed to another component as they are.</summary>
    public JsonElement Element => _element;

    /// <summary>True when the setting is present and not null.</summary>
    public bool Has(string name) => _element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A required string setting.</summary>
    public string RequiredString(string name, string fix)
        => OptionalString(name) ?? throw ErrorFactory.Config(At(name), "is required but missing.", fix);

    /// <summary>An optional string setting; null when absent.</summary>
    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => Expand(value.GetString()!, At(name)),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => throw ErrorFactory.Config(At(name), $"expected a string, found {Describe(value)}.", "Write it in quotes."),
        };
    }

    /// <summary>A secret string (password, key); it is registered so no message can ever print it.</summary>
    public string? OptionalSecret(string name)
    {
        var secret = OptionalString(name);
        SecretScrubber.Register(secret);
        return secret;
    }

    /// <summary>A list of strings; a single string counts as a list of one. Empty when absent.</summary>
    public IReadOnlyList<string> StringList(string name)
    {
        if (!TryGet(name, out var value))
        {
            return [];
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return [Expand(value.GetString()!, At(name))];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw ErrorFactory.Config(At(name), $"expected a string or a list of strings, found {Describe(value)}.", "Write \"a\" or [\"a\", \"b\"].");
        }

        var list = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw ErrorFactory.Config($"{At(name)}[{i}]", $"expected a string, found {Describe(item)}.", "Write it in quotes.");
            }

            list.Add(Expand(item.GetString()!, $"{At(name)}[{i}]"));
            i++;
        }

        return list;
    }

    /// <summary>An integer setting within [min, max], or the default when absent.</summary>
    public int Int(string name, int defaultValue, int min, int max)
    {
        if (!TryGet(name, out var value))
        {
            return defaultValue;
        }

        var number = 0;
        var ok = value.ValueKind == JsonValueKind.Number ? value.TryGetInt32(out number)
            : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number);
        if (!ok || number < min || number > max)
        {
            throw ErrorFactory.Config(At(name), $"expected a whole number from {min} to {max}, found {Describe(value)}.", $"The default is {defaultValue}.");
        }

        return number;
    }

    /// <summary>A number setting within [min, max], or null when absent.</summary>
    public double? OptionalDouble(string name, double min, double max)
    {
        if (!TryGet(name, out var value))
        {
            return null;
        }

        var number = 0.0;
        var ok = value.ValueKind == JsonValueKind.Number ? value.TryGetDouble(out number)
            : value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
        if (!ok || !double.IsFinite(number) || number < min || number > max)
        {
            throw ErrorFactory.Config(At(name), $"expected a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, found {Describe(value)}.", string.Empty);
        }

        return number;
    }

    /// <summary>A boolean setting, or the default when absent.</summary>
    public bool Bool(string name, bool defaultValue)
    {
        if (!TryGet(name, out var value))
        {
            return defaultValue;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
            _ => throw ErrorFactory.Config(At(name), $"expected true or false, found {Describe(value)}.", string.Empty),
        };
    }

    /// <summary>A nested object, or null when absent.</summary>
    public ConfigNode? OptionalObject(string name) => TryGet(name, out var value) ? new ConfigNode(value, At(name)) : null;

    /// <summary>A list of objects; empty when absent.</summary>
    public IReadOnlyList<ConfigNode> ObjectList(string name)
    {
        if (!TryGet(name, out var value))
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw ErrorFactory.Config(At(name), $"expected a list of objects, found {Describe(value)}.", "Write [ { ... }, { ... } ].");
        }

        return value.EnumerateArray().Select((item, i) => new ConfigNode(item, $"{At(name)}[{i}]")).ToList();
    }

    /// <summary>
    /// Refuses settings this section did not read, naming the closest known one. Call after reading
    /// every setting of the section.
    /// </summary>
    public void RejectUnknown()
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (!_read.Contains(property.Name))
            {
                var known = string.Join(", ", _read.Order(StringComparer.Ordinal));
                throw ErrorFactory.Config(At(property.Name), "is not a known setting here.", $"Known settings: {known}. Check the spelling.");
            }
        }
    }

    /// <summary>Marks settings as known without reading them (read by another component).</summary>
    public void Allow(params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            _read.Add(name);
        }
    }

    /// <summary>The path of a setting of this node.</summary>
    public string At(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    private bool TryGet(string name, out JsonElement value)
    {
        _read.Add(name);
        return _element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
    }

    private static string Expand(string text, string path)
        => EnvReference().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            return Environment.GetEnvironmentVariable(name)
                ?? throw ErrorFactory.Config(path, $"refers to environment variable {name}, which is not set.", $"Set {name}, or write the value in the config.");
        });

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => $"{value.GetRawText()}",
        _ => "null",
    };

    private static string Truncate(string text) => text.Length > 40 ? text[..40] + "..." : text;

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex EnvReference();
}
