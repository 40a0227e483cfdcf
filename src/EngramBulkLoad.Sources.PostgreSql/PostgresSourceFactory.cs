using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources.PostgreSql;

/// <summary>Creates PostgreSQL sources.</summary>
public sealed class PostgresSourceFactory : IRecordSourceFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = ["postgres", "postgresql"];

    /// <inheritdoc />
    public IRecordSource Create(SourceConfig config, ExtractSettings extract, ShardSpec? shard)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new PostgresSource(config.Name, PostgresSourceOptions.From(config, extract), config.Node.Element, shard ?? new ShardSpec(0, 1));
    }
}
