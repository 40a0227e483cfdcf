using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Sources;
using EngramBulkLoad.Sources.Elasticsearch;
using EngramBulkLoad.Sources.Files;
using EngramBulkLoad.Sources.MongoDb;
using EngramBulkLoad.Sources.Neo4j;
using EngramBulkLoad.Sources.PostgreSql;
using EngramBulkLoad.Sources.Redis;

namespace EngramBulkLoad.Cli;

/// <summary>Every source plug-in the job knows, by kind. A new source kind adds its factory here.</summary>
internal static class SourceRegistry
{
    private static readonly IRecordSourceFactory[] Factories = [new PostgresSourceFactory(), new FileSourceFactory(), new RedisSourceFactory(), new MongoSourceFactory(), new Neo4jSourceFactory(), new ElasticsearchSourceFactory()];

    public static IReadOnlyList<string> Kinds => Factories.SelectMany(f => f.Kinds).ToList();

    public static IReadOnlyList<IRecordSource> Create(JobConfig config)
        => config.Sources.Select(source =>
        {
            var factory = Factories.FirstOrDefault(f => f.Kinds.Contains(source.Kind))
                ?? throw ErrorFactory.Config(source.Node.At("kind"), $"'{source.Kind}' is not a source kind this build knows.", $"Known kinds: {string.Join(", ", Kinds)}.");
            return factory.Create(source, config.Extract, config.Shard);
        }).ToList();
}
