using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources.Redis;

/// <summary>Creates Redis sources (kind "redis").</summary>
public sealed class RedisSourceFactory : IRecordSourceFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = ["redis"];

    /// <inheritdoc />
    public IRecordSource Create(SourceConfig config, ExtractSettings extract, ShardSpec? shard)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = RedisSourceOptions.From(config, extract);
        return new RedisSource(config.Name, options, config.Node.Element, shard ?? new ShardSpec(0, 1));
    }
}
