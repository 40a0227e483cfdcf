using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace EngramBulkLoad.Embedding.Service.Metrics;

/// <summary>
/// Renders one meter's instruments in the Prometheus text format (version 0.0.4) for <c>GET /metrics</c>.
/// Written here rather than taken from OpenTelemetry.Exporter.Prometheus.AspNetCore because that package
/// has only pre-release versions; this covers the counters, gauges and histograms the service records.
/// </summary>
internal sealed class PrometheusTextExporter : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly double[] RatioBuckets = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
    private static readonly double[] TextBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];
    private static readonly double[] TokenBuckets = [64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 262144];

    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, Instrument> _instruments = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Name, string Labels), Series> _series = new();
    private readonly Lock _scrape = new();

    public PrometheusTextExporter(Meter meter)
    {
        _meter = meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _meter))
            {
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>The current values, in the text format Prometheus scrapes.</summary>
    public string Render()
    {
        lock (_scrape)
        {
            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var instrument in _instruments.Values.OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                var type = instrument switch
                {
                    Counter<long> => "counter",
                    Histogram<int> or Histogram<double> => "histogram",
                    _ => "gauge",
                };
                text.Append("# HELP ").Append(instrument.Name).Append(' ').Append(instrument.Description).Append('\n');
                text.Append("# TYPE ").Append(instrument.Name).Append(' ').Append(type).Append('\n');
                foreach (var ((name, labels), series) in _series.Where(s => s.Key.Name == instrument.Name).OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
                {
                    series.Write(text, name, labels);
                }
            }

            return text.ToString();
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        var series = _series.GetOrAdd((instrument.Name, labels), _ => instrument switch
        {
            Histogram<int> or Histogram<double> => new Series(BucketsFor(instrument)),
            _ => new Series(null),
        });
        series.Add(value, replace: instrument is ObservableGauge<int> or ObservableGauge<long> or ObservableGauge<double>);
    }

    private static double[] BucketsFor(Instrument instrument) => instrument.Unit switch
    {
        "s" => SecondsBuckets,
        "{text}" => TextBuckets,
        "{token}" => TokenBuckets,
        _ => RatioBuckets,
    };

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var parts = new List<string>(tags.Length);
        foreach (var tag in tags)
        {
            var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty;
            parts.Add($"{tag.Key}=\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"");
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join(",", parts);
    }

    public void Dispose() => _listener.Dispose();

    private sealed class Series(double[]? bounds)
    {
        private readonly Lock _gate = new();
        private readonly long[]? _buckets = bounds is null ? null : new long[bounds.Length];
        private double _sum;
        private long _count;

        public void Add(double value, bool replace)
        {
            lock (_gate)
            {
                _count++;
                _sum = replace ? value : _sum + value;
                if (_buckets is not null)
                {
                    for (var i = 0; i < bounds!.Length; i++)
                    {
                        if (value <= bounds[i])
                        {
                            _buckets[i]++;
                        }
                    }
                }
            }
        }

        public void Write(StringBuilder text, string name, string labels)
        {
            lock (_gate)
            {
                if (_buckets is null)
                {
                    text.Append(name).Append(Braces(labels)).Append(' ').Append(Number(_sum)).Append('\n');
                    return;
                }

                var prefix = labels.Length == 0 ? string.Empty : labels + ",";
                for (var i = 0; i < _buckets.Length; i++)
                {
                    text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"").Append(Number(bounds![i])).Append("\"} ").Append(_buckets[i]).Append('\n');
                }

                text.Append(name).Append("_bucket{").Append(prefix).Append("le=\"+Inf\"} ").Append(_count).Append('\n');
                text.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Number(_sum)).Append('\n');
                text.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(_count).Append('\n');
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? string.Empty : "{" + labels + "}";

        private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
