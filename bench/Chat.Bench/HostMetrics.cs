namespace Chat.Bench;

using System.Globalization;
using System.Text.Json;

/// <summary>One series of <c>chat.cosmos.requests</c>: operation, container, status code.</summary>
public sealed record CosmosKey(string Operation, string Container, string Status);

/// <summary>The host's request counters at one instant: Cosmos requests by series, Redis round trips by "store: command".</summary>
public sealed record HostTotals(IReadOnlyDictionary<CosmosKey, long> Cosmos, IReadOnlyDictionary<string, long> Redis)
{
    public long Total => Cosmos.Values.Sum() + Redis.Values.Sum();

    public HostDelta Minus(HostTotals before) => new(Diff(Cosmos, before.Cosmos), Diff(Redis, before.Redis));

    private static Dictionary<TKey, long> Diff<TKey>(IReadOnlyDictionary<TKey, long> now, IReadOnlyDictionary<TKey, long> before)
        where TKey : notnull =>
        now.ToDictionary(e => e.Key, e => e.Value - before.GetValueOrDefault(e.Key));
}

/// <summary>What the counters moved by between two readings.</summary>
public sealed record HostDelta(Dictionary<CosmosKey, long> Cosmos, Dictionary<string, long> Redis);

/// <summary>Reads the local host's <c>GET /_local/metrics</c> (README "Telemetry"): <c>chat.cosmos.requests</c> and <c>chat.redis.requests</c>.</summary>
public sealed class HostMetrics(HttpClient http)
{
    private const string Path = "_local/metrics";

    /// <summary>The totals, or null when the host serves no metrics.</summary>
    public async Task<HostTotals?> ReadAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync(Path, ct);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var cosmos = new Dictionary<CosmosKey, long>();
        var redis = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var series in document.RootElement.EnumerateArray())
        {
            var tags = series.GetProperty("tags");
            string Tag(string name) => tags.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-";
            var sum = (long)series.GetProperty("sum").GetDouble();
            switch (series.GetProperty("instrument").GetString())
            {
                case "chat.cosmos.requests":
                    var key = new CosmosKey(Tag("db.operation.name"), Tag("db.collection.name"), Tag("db.response.status_code"));
                    cosmos[key] = cosmos.GetValueOrDefault(key) + sum;
                    break;
                case "chat.redis.requests":
                    var command = $"{Tag("chat.store")}: {Tag("db.operation.name")}";
                    redis[command] = redis.GetValueOrDefault(command) + sum;
                    break;
            }
        }

        return new HostTotals(cosmos, redis);
    }

    /// <summary>
    /// The totals once they have not moved for 3 s (at most 30 s): work a call left behind (a push job
    /// queued with its 2 s delay, a background refresh) is counted with the call; <paramref name="gaveUp"/> is called when they never settled.
    /// </summary>
    public async Task<HostTotals> QuietAsync(CancellationToken ct, Action? gaveUp = null)
    {
        var last = await ReadAsync(ct) ?? throw new InvalidOperationException("/_local/metrics went away.");
        var still = 0;
        for (var i = 0; i < 60 && still < 6; i++)
        {
            await Task.Delay(500, ct);
            var now = await ReadAsync(ct) ?? last;
            still = now.Total == last.Total ? still + 1 : 0;
            last = now;
        }

        if (still < 6)
        {
            gaveUp?.Invoke();
        }

        return last;
    }

    public static string Format(IReadOnlyDictionary<string, double> perCall) =>
        perCall.Count == 0 ? "-" : string.Join(", ", perCall.Select(e => $"{e.Key} {e.Value.ToString("0.##", CultureInfo.InvariantCulture)}"));
}
