using EngramBulkLoad.Configuration;

namespace EngramBulkLoad.Sources.MongoDb;

/// <summary>Creates MongoDB sources.</summary>
public sealed class MongoSourceFactory : IRecordSourceFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Kinds { get; } = ["mongodb", "mongo"];

    /// <inheritdoc />
    public IRecordSource Create(SourceConfig config, ExtractSettings extract, ShardSpec? shard)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new MongoSource(config.Name, MongoSourceOptions.From(config, extract), config.Node.Element, shard ?? new ShardSpec(0, 1));
    }
}
