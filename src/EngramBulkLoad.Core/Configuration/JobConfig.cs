using System.Text.RegularExpressions;
using EngramBulkLoad.Errors;

namespace EngramBulkLoad.Configuration;

/// <summary>
/// The job config file: the migration, its snapshot folder, the sources and the settings of each
/// stage. Source sections are kept as <see cref="ConfigNode"/>s and read by the source kind that owns them.
/// </summary>
public sealed partial record JobConfig
{
    /// <summary>The migration's id: 3 to 64 characters of lowercase letters, digits, '-' and '_'. Tags every memory.</summary>
    public required string MigrationId { get; init; }

    /// <summary>The snapshot folder. Default: <c>snapshots/MIGRATION_ID</c> next to the working directory.</summary>
    public required string Snapshot { get; init; }

    /// <summary>Settings of the extract stage.</summary>
    public required ExtractSettings Extract { get; init; }

    /// <summary>The sources, in the order they are extracted.</summary>
    public required IReadOnlyList<SourceConfig> Sources { get; init; }

    /// <summary>The "embedding" section as written, read by the embed stage; null when absent.</summary>
    public ConfigNode? Embedding { get; init; }

    /// <summary>The "engram" section as written, read by the load stage; null when absent.</summary>
    public ConfigNode? Engram { get; init; }

    /// <summary>The folder relative paths in the config are resolved against (the config file's folder).</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>
    /// The part of every source's key space this process extracts (<c>--shard i/N</c>, or
    /// <see cref="ShardSpec.FromEnvironment"/> in a Kubernetes Indexed Job); null for the whole.
    /// </summary>
    public ShardSpec? Shard { get; init; }

    /// <summary>
    /// This config with only the named sources, in the given order: a staged migration runs one group
    /// of sources after another. Unknown or repeated names are refused, listing the known sources.
    /// </summary>
    public JobConfig SelectSources(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var known = string.Join(", ", Sources.Select(s => s.Name));
        if (names.Count == 0)
        {
            throw ErrorFactory.Config("--sources", "names no source.", $"Name one or more of: {known}.");
        }

        var unknown = names.Where(name => !Sources.Any(s => s.Name == name)).ToList();
        if (unknown.Count > 0)
        {
            throw ErrorFactory.Config("--sources", $"names {string.Join(", ", unknown.Select(n => $"'{n}'"))}, which the config does not have.",
                $"The config's sources are: {known}. Names are case-sensitive.");
        }

        var repeated = names.GroupBy(name => name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw ErrorFactory.Config("--sources", $"names '{repeated.Key}' twice.", "Name each source once; they run in the order given.");
        }

        return this with { Sources = names.Select(name => Sources.First(s => s.Name == name)).ToList() };
    }

    /// <summary>Checks a migration id; returns the problem, or null when it is valid.</summary>
    public static string? CheckMigrationId(string id)
        => MigrationIdPattern().IsMatch(id) ? null
            : $"'{id}' is not a valid migration id: use 3 to 64 characters of lowercase letters, digits, '-' and '_' (it is also Engram's tag and space-id syntax).";

    /// <summary>Builds the config from the file's root object.</summary>
    public static JobConfig From(ConfigNode root, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(root);
        var migrationId = root.RequiredString("migrationId", "Name the migration, e.g. \"migrationId\": \"crm-2026-11\".");
        if (CheckMigrationId(migrationId) is { } problem)
        {
            throw ErrorFactory.Config(root.At("migrationId"), problem, string.Empty);
        }

        var snapshot = root.OptionalString("snapshot") ?? Path.Combine("snapshots", migrationId);
        var extract = ExtractSettings.From(root.OptionalObject("extract"));
        var sourceNodes = root.ObjectList("sources");
        if (sourceNodes.Count == 0)
        {
            throw ErrorFactory.Config(root.At("sources"), "lists no source.", "Add at least one source, e.g. { \"name\": \"crm\", \"kind\": \"postgres\", ... }.");
        }

        var sources = sourceNodes.Select(node => SourceConfig.From(node, baseDirectory)).ToList();
        var duplicate = sources.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw ErrorFactory.Config(root.At("sources"), $"names source '{duplicate.Key}' twice.", "Source names are part of every memory id and must be unique.");
        }

        var embedding = root.OptionalObject("embedding");
        var engram = root.OptionalObject("engram");
        root.RejectUnknown();
        return new JobConfig
        {
            MigrationId = migrationId,
            Snapshot = Path.GetFullPath(snapshot, baseDirectory),
            Extract = extract,
            Sources = sources,
            Embedding = embedding,
            Engram = engram,
            BaseDirectory = baseDirectory,
        };
    }

    [GeneratedRegex("^[a-z0-9_-]{3,64}$")]
    private static partial Regex MigrationIdPattern();
}

/// <summary>One source section: its name and kind; the rest is read by the source kind.</summary>
public sealed partial class SourceConfig
{
    /// <summary>The source's name: 1 to 64 characters of lowercase letters, digits, '-' and '_'. Part of every memory id.</summary>
    public required string Name { get; init; }

    /// <summary>The source's kind: postgres, jsonl, csv (and the kinds later source plug-ins add).</summary>
    public required string Kind { get; init; }

    /// <summary>The whole section, for the source kind to read.</summary>
    public required ConfigNode Node { get; init; }

    /// <summary>The folder relative paths of this section are resolved against. Default: the working directory.</summary>
    public string? BaseDirectory { get; init; }

    internal static SourceConfig From(ConfigNode node, string baseDirectory)
    {
        var name = node.RequiredString("name", "Give every source a name, e.g. \"name\": \"crm\".");
        if (!SourceNamePattern().IsMatch(name))
        {
            throw ErrorFactory.Config(node.At("name"), $"'{name}' is not a valid source name.", "Use 1 to 64 characters of lowercase letters, digits, '-' and '_'.");
        }

        var kind = node.RequiredString("kind", "Say what the source is, e.g. \"kind\": \"postgres\" (or jsonl, csv).").ToLowerInvariant();
        return new SourceConfig { Name = name, Kind = kind, Node = node, BaseDirectory = baseDirectory };
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex SourceNamePattern();
}

/// <summary>Settings of the extract stage.</summary>
public sealed record ExtractSettings
{
    /// <summary>Source rows per part file; a killed extract redoes at most one part. Default: 50,000.</summary>
    public int PartSize { get; init; } = 50_000;

    /// <summary>Largest content in UTF-8 bytes; larger records are rejected. Default: 1 MiB.</summary>
    public int MaxContentBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Backfill (<c>--backfill</c>; not a config-file setting): reopen completed collections that have a
    /// watermark and read only the rows changed since, as a new generation of parts. Default: false.
    /// </summary>
    public bool Backfill { get; init; }

    internal static ExtractSettings From(ConfigNode? node)
    {
        if (node is null)
        {
            return new ExtractSettings();
        }

        var settings = new ExtractSettings
        {
            PartSize = node.Int("partSize", 50_000, 1, 10_000_000),
            MaxContentBytes = node.Int("maxContentBytes", 1 << 20, 1, 64 << 20),
        };
        node.RejectUnknown();
        return settings;
    }
}
