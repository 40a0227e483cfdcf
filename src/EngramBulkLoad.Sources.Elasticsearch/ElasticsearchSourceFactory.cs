using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources.Elasticsearch;

/// <summary>Creates Elasticsearch sources.</summary>
public sealed class ElasticsearchSourceFactory : IRecordSourceFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = ["elasticsearch"];

    /// <inheritdoc />
    public IRecordSource Create(SourceConfig config, ExtractSettings extract, ShardSpec? shard)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ElasticsearchSource(config.Name, ElasticsearchSourceOptions.From(config, extract), config.Node.Element, shard ?? new ShardSpec(0, 1));
    }
}
