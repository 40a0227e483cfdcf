using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources.Files;

/// <summary>Creates JSONL and CSV file sources.</summary>
public sealed class FileSourceFactory : IRecordSourceFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = ["jsonl", "ndjson", "csv"];

    /// <inheritdoc />
    public IRecordSource Create(SourceConfig config, ExtractSettings extract, ShardSpec? shard)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = FileSourceOptions.From(config, extract);
        return new FileSource(config.Name, config.Kind, options, config.Node.Element, shard ?? new ShardSpec(0, 1));
    }
}
