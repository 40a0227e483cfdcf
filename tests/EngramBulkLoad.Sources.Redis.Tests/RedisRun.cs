using System.Text.Json.Nodes;
using EngramBulkLoad.Configuration;
using EngramBulkLoad.Sources.Conformance;

namespace EngramBulkLoad.Sources.Redis.Tests;

/// <summary>Extracts one Redis section with the suite's runner, optionally with test hooks set on the source.</summary>
internal static class RedisRun
{
    public static Task<ConformanceSnapshot> ExtractAsync(string folder, string match, JsonObject? pattern = null, Action<RedisSource>? hook = null, int partSize = 50_000, int scanCount = 100)
    {
        var settings = pattern?.DeepClone().AsObject() ?? [];
        settings["match"] = match;
        settings.TryAdd("collection", "keys");
        settings.TryAdd("id", "capture");
        var section = new JsonObject
        {
            ["kind"] = "redis",
            ["host"] = RedisServer.Host,
            ["port"] = RedisServer.Port,
            ["scanCount"] = scanCount,
            ["patterns"] = new JsonArray(settings),
        };
        return ConformanceRun.ExtractAsync(new HookedFactory(hook), section, folder, partSize: partSize, cancellationToken: TestContext.Current.CancellationToken);
    }

    private sealed class HookedFactory(Action<RedisSource>? hook) : IRecordSourceFactory
    {
        private readonly RedisSourceFactory _inner = new();

        public IReadOnlyList<string> Kinds => _inner.Kinds;

        public IRecordSource Create(SourceConfig config, ExtractSettings extract, ShardSpec? shard)
        {
            var source = _inner.Create(config, extract, shard);
            hook?.Invoke((RedisSource)source);
            return source;
        }
    }
}
