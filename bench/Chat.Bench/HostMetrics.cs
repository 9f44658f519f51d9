namespace Chat.Bench;

using System.Globalization;
using System.Text.Json;

/// <summary>One series of <c>chat.cosmos.requests</c>: operation, container, status code.</summary>
public sealed record CosmosKey(string Operation, string Container, string Status);

/// <summary>Cosmos request totals of the host at one instant.</summary>
public sealed record CosmosTotals(IReadOnlyDictionary<CosmosKey, long> Counts)
{
    public long Total => Counts.Values.Sum();

    public Dictionary<CosmosKey, long> Minus(CosmosTotals before) =>
        Counts.ToDictionary(e => e.Key, e => e.Value - before.Counts.GetValueOrDefault(e.Key));
}

/// <summary>Reads the local host's <c>GET /_local/metrics?instrument=chat.cosmos.requests</c> (README "Telemetry").</summary>
public sealed class CosmosMetrics(HttpClient http)
{
    private const string Path = "_local/metrics?instrument=chat.cosmos.requests";

    /// <summary>The totals, or null when the host serves no metrics.</summary>
    public async Task<CosmosTotals?> ReadAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync(Path, ct);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var counts = new Dictionary<CosmosKey, long>();
        foreach (var series in document.RootElement.EnumerateArray())
        {
            var tags = series.GetProperty("tags");
            string Tag(string name) => tags.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "-";
            var key = new CosmosKey(Tag("db.operation.name"), Tag("db.collection.name"), Tag("db.response.status_code"));
            counts[key] = counts.GetValueOrDefault(key) + (long)series.GetProperty("sum").GetDouble();
        }

        return new CosmosTotals(counts);
    }

    /// <summary>
    /// The totals once they have not moved for 3 s (at most 30 s): work a call left behind (a push job
    /// queued with its 2 s delay, a background refresh) is counted with the call.
    /// </summary>
    public async Task<CosmosTotals> QuietAsync(CancellationToken ct)
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

        return last;
    }

    public static string Format(IReadOnlyDictionary<string, double> perCall) =>
        string.Join(", ", perCall.Select(e => $"{e.Key} {e.Value.ToString("0.##", CultureInfo.InvariantCulture)}"));
}
