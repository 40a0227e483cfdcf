using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources.Neo4j;

/// <summary>Creates Neo4j sources (kind "neo4j").</summary>
public sealed class Neo4jSourceFactory : IRecordSourceFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = [Neo4jSource.SourceKind];

    /// <inheritdoc />
    public IRecordSource Create(SourceConfig config, ExtractSettings extract, ShardSpec? shard)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new Neo4jSource(config.Name, Neo4jSourceOptions.From(config, extract), config.Node.Element, shard ?? new ShardSpec(0, 1));
    }
}
