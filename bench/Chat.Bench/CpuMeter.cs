namespace Chat.Bench;

using System.Diagnostics;

/// <summary>A point-in-time reading of utime+stime of each watched process group and of the bench.</summary>
public sealed record CpuSnapshot(long Timestamp, IReadOnlyDictionary<string, long?> Ticks, TimeSpan Bench, long? MachineBusyTicks);

/// <summary>CPU seconds over a window; per 1,000 messages (and deliveries) when given.</summary>
public sealed record CpuUsage(
    double WindowSeconds,
    IReadOnlyDictionary<string, double?> Seconds,
    double BenchSeconds,
    IReadOnlyDictionary<string, double?> PerThousandMessages,
    double? ServerPerThousandDeliveries,
    IReadOnlyDictionary<string, double?> Utilization,
    double? MachineBusySeconds,
    double? OtherProcessesSeconds);

/// <summary>
/// Reads /proc/&lt;pid&gt;/stat of the server and the emulators (groups of pids by name); a group whose
/// process vanished between two readings has no value for that window.
/// </summary>
public sealed class CpuMeter(IReadOnlyDictionary<string, IReadOnlyList<int>> groups)
{
    public const string Server = "server";
    public const string Cosmos = "cosmos";
    public const string Azurite = "azurite";
    public const string Xmpp = "xmpp";

    public IReadOnlyDictionary<string, IReadOnlyList<int>> Groups { get; } = groups;

    public CpuSnapshot Take()
    {
        var ticks = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var (name, pids) in Groups)
        {
            long? sum = pids.Count == 0 ? null : 0;
            foreach (var pid in pids)
            {
                sum = ProcFs.CpuTicks(pid) is { } t && sum is { } s ? s + t : null;
            }

            ticks[name] = sum;
        }

        return new CpuSnapshot(Stopwatch.GetTimestamp(), ticks, Process.GetCurrentProcess().TotalProcessorTime, ProcFs.MachineBusyTicks());
    }

    public static CpuUsage Between(CpuSnapshot before, CpuSnapshot after, long messages, long deliveries)
    {
        var window = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds;
        var seconds = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var (name, start) in before.Ticks)
        {
            seconds[name] = start is { } a && after.Ticks.GetValueOrDefault(name) is { } b ? (b - a) / (double)ProcFs.ClockTicks : null;
        }

        var bench = (after.Bench - before.Bench).TotalSeconds;
        double? machine = before.MachineBusyTicks is { } m0 && after.MachineBusyTicks is { } m1 ? Math.Round((m1 - m0) / (double)ProcFs.ClockTicks, 2) : null;
        double? ours = seconds.Values.Aggregate((double?)bench, (sum, v) => sum is { } x && v is { } y ? x + y : null);
        double? PerThousand(double? cpu, long count) => cpu is { } c && count > 0 ? Math.Round(c * 1000 / count, 3) : null;
        return new CpuUsage(
            Math.Round(window, 3),
            seconds,
            Math.Round(bench, 2),
            seconds.ToDictionary(s => s.Key, s => PerThousand(s.Value, messages), StringComparer.Ordinal),
            PerThousand(seconds.GetValueOrDefault(Server), deliveries),
            seconds.ToDictionary(s => s.Key, s => s.Value is { } v && window > 0 ? Math.Round(v / window, 3) : (double?)null, StringComparer.Ordinal),
            machine,
            machine is { } all && ours is { } o ? Math.Round(Math.Max(0, all - o), 2) : null);
    }
}
