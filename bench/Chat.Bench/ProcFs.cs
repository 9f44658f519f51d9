namespace Chat.Bench;

using System.Globalization;
using System.Runtime.InteropServices;

/// <summary>What /proc says about this machine and its processes (Linux only).</summary>
public static partial class ProcFs
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    private const int ScClkTck = 2;

    /// <summary>Clock ticks per second of utime/stime (<c>getconf CLK_TCK</c>, 100 on Linux).</summary>
    public static long ClockTicks { get; } = ReadClockTicks();

    public static MachineInfo Machine()
    {
        var model = Read(() => File.ReadLines("/proc/cpuinfo")
            .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault(), null);
        var memory = Read(() => File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) is { } line
            ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024
            : (long?)null, null);
        return new MachineInfo(
            model ?? RuntimeInformation.ProcessArchitecture.ToString(),
            Environment.ProcessorCount,
            memory,
            memory is { } m ? Math.Round(m / (1024.0 * 1024 * 1024), 1) : null,
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            ClockTicks);
    }

    /// <summary>Busy clock ticks of the whole machine since boot (all of /proc/stat's cpu line but idle and iowait).</summary>
    public static long? MachineBusyTicks() => Read(() =>
    {
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return f.Sum() - f[3] - f[4];
    }, (long?)null);

    /// <summary>/proc/loadavg's 1, 5 and 15 minute load averages.</summary>
    public static string? LoadAverage() => Read(() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)), null);

    /// <summary>utime + stime of the process in clock ticks, or null when it is gone.</summary>
    public static long? CpuTicks(int pid)
    {
        var stat = Stat(pid);
        if (stat is null)
        {
            return null;
        }

        // After "(comm)": [0] state (field 3), [1] ppid (4), ..., [11] utime (14), [12] stime (15).
        return long.Parse(stat[11], CultureInfo.InvariantCulture) + long.Parse(stat[12], CultureInfo.InvariantCulture);
    }

    public static int? ParentOf(int pid)
    {
        var stat = Stat(pid);
        return stat is null ? null : int.Parse(stat[1], CultureInfo.InvariantCulture);
    }

    public static bool IsAlive(int pid)
    {
        var stat = Stat(pid);
        return stat is not null && stat[0] != "Z";
    }

    /// <summary>The command line of the process, arguments joined by spaces, or null when it is gone.</summary>
    public static string? CommandLine(int pid) =>
        Read(() => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline")).TrimEnd('\0').Replace('\0', ' '), null);

    public static IReadOnlyList<int> AllPids() => Read(() => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
        .Where(pid => pid > 0)
        .ToArray(), []);

    /// <summary>Every process below <paramref name="root"/> in the process tree.</summary>
    public static IReadOnlyList<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var pid in AllPids())
        {
            if (ParentOf(pid) is { } parent)
            {
                parents[pid] = parent;
            }
        }

        var result = new List<int>();
        var frontier = new Queue<int>([root]);
        var seen = new HashSet<int> { root };
        while (frontier.Count > 0 && result.Count < 10_000)
        {
            var current = frontier.Dequeue();
            foreach (var (child, parent) in parents)
            {
                if (parent == current && seen.Add(child))
                {
                    result.Add(child);
                    frontier.Enqueue(child);
                }
            }
        }

        return result;
    }

    /// <summary>The processes holding a socket that listens on the loopback/any TCP port.</summary>
    public static IReadOnlyList<int> ListenersOf(int port)
    {
        var inodes = ListeningInodes(port);
        return inodes.Count == 0 ? [] : AllPids().Where(pid => HoldsSocket(pid, inodes)).ToArray();
    }

    /// <summary>The socket inodes of /proc/net/tcp{,6} in state LISTEN (0A) on the port.</summary>
    private static HashSet<string> ListeningInodes(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        var suffix = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            inodes.UnionWith(Read(() => File.ReadLines(table).Skip(1)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length > 9 && f[3] == "0A" && f[1].EndsWith(suffix, StringComparison.Ordinal))
                .Select(f => f[9])
                .ToArray(), []));
        }

        return inodes;
    }

    private static bool HoldsSocket(int pid, HashSet<string> inodes) => Read(
        () => Directory.EnumerateFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Any(target => target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1])),
        false);

    /// <summary>Sends a signal to one process, by id.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    /// <summary>The fields of /proc/PID/stat after "(comm)", or null when the process is gone.</summary>
    private static string[]? Stat(int pid) => Read(() =>
    {
        var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        var close = text.LastIndexOf(')');
        return close < 0 ? null : text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }, null);

    /// <summary>What /proc says, or the fallback when it cannot be read (not Linux, a process gone, not ours to read).</summary>
    private static T Read<T>(Func<T> read, T fallback)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return fallback;
        }
    }

    private static long ReadClockTicks()
    {
        try
        {
            var ticks = sysconf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial nint sysconf(int name);
}

public sealed record MachineInfo(string CpuModel, int Cores, long? MemoryBytes, double? MemoryGiB, string Os, string Runtime, long ClockTicksPerSecond);
