using EngramBulkLoad.Pipeline;
using Prometheus;

namespace EngramBulkLoad.Cli.Metrics;

/// <summary>
/// Serves a run's counters on http://+:PORT/metrics for Prometheus. The values are read from the run's
/// progress just before each scrape, so the stages themselves know nothing about metrics.
/// </summary>
internal sealed class RunMetrics : IAsyncDisposable
{
    private readonly MetricServer _server;

    private RunMetrics(MetricServer server) => _server = server;

    /// <summary>Starts the endpoint; a port already in use fails with a message naming it.</summary>
    public static RunMetrics Start(RunProgress progress, int port)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var records = factory.CreateGauge("ebl_records", "Records this run has finished, per stage and outcome.", "stage", "outcome");
        var tokens = factory.CreateGauge("ebl_embed_tokens", "Tokens the embedding model saw in this run.");
        var parts = factory.CreateGauge("ebl_parts_loaded", "Parts this run has loaded into Engram.");
        var sourceRecords = factory.CreateGauge("ebl_source_records", "Records per source and stage, as the snapshot manifest records them (all runs).", "source", "stage");
        registry.AddBeforeCollectCallback(() =>
        {
            records.WithLabels("extract", "read").Set(progress.Extract.Rows);
            records.WithLabels("embed", "embedded").Set(progress.Embed.Embedded);
            records.WithLabels("embed", "reused").Set(progress.Embed.Reused);
            records.WithLabels("embed", "rejected").Set(progress.Embed.Rejected);
            records.WithLabels("load", "loaded").Set(progress.Load.RecordsLoaded);
            records.WithLabels("load", "rejected").Set(progress.Load.RecordsRejected);
            tokens.Set(progress.Embed.Tokens);
            parts.Set(progress.Load.PartsLoaded);
            foreach (var source in progress.Sources())
            {
                sourceRecords.WithLabels(source.Source, "extracted").Set(source.Extracted);
                sourceRecords.WithLabels(source.Source, "embedded").Set(source.Embedded);
                sourceRecords.WithLabels(source.Source, "loaded").Set(source.Loaded);
                sourceRecords.WithLabels(source.Source, "rejected").Set(source.ExtractRejected + source.EmbedRejected + source.LoadRejected);
            }
        });
        var server = new MetricServer(port: port, registry: registry);
        try
        {
            server.Start();
        }
        catch (System.Net.HttpListenerException ex)
        {
            server.Dispose();
            throw Errors.ErrorFactory.Config("--metrics-port", $"port {port} cannot be served: {ex.Message}.", "Choose a free port, or leave --metrics-port out.");
        }

        return new RunMetrics(server);
    }

    public async ValueTask DisposeAsync() => await _server.StopAsync();
}
