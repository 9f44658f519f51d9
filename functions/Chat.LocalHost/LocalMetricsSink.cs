namespace Chat.LocalHost;

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Chat.Core.Common;
using Chat.Functions.Http;

/// <summary>
/// Totals of this host's "Chat" meter at <c>GET /_local/metrics</c>, for tools outside the process (the
/// benchmark reads Cosmos requests per operation before and after a phase): per instrument and tag set,
/// the number of measurements and their sum. Series keys are the instrument and its constant tag values,
/// so a measurement allocates nothing once its series exists.
/// </summary>
public sealed class LocalMetricsSink : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<(Instrument, object?, object?, object?), Series> series = new();

    public LocalMetricsSink(IMeterFactory meters)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChatMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
    }

    public sealed record Total(string Instrument, IReadOnlyDictionary<string, string?> Tags, long Count, double Sum);

    public IReadOnlyList<Total> Totals() =>
        series.Values.Select(s => s.Snapshot()).OrderBy(t => t.Instrument, StringComparer.Ordinal).ToList();

    public void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/_local/metrics", (string? instrument) =>
            Results.Json(Totals().Where(t => instrument is null || t.Instrument == instrument), ChatJson.Options));

    public void Dispose() => listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = (instrument, Value(tags, 0), Value(tags, 1), Value(tags, 2));
        if (!series.TryGetValue(key, out var total))
        {
            total = series.GetOrAdd(key, new Series(instrument.Name, tags.ToArray()));
        }

        total.Add(value);
    }

    private static object? Value(ReadOnlySpan<KeyValuePair<string, object?>> tags, int index) => index < tags.Length ? tags[index].Value : null;

    private sealed class Series(string instrument, KeyValuePair<string, object?>[] tags)
    {
        private readonly Lock gate = new();
        private long count;
        private double sum;

        public void Add(double value)
        {
            lock (gate)
            {
                count++;
                sum += value;
            }
        }

        public Total Snapshot()
        {
            lock (gate)
            {
                return new Total(instrument, tags.ToDictionary(t => t.Key, t => t.Value?.ToString(), StringComparer.Ordinal), count, sum);
            }
        }
    }
}
