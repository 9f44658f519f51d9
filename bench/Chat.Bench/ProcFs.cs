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
        string? model = null;
        long? memory = null;
        try
        {
            model = File.ReadLines("/proc/cpuinfo")
                .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                .FirstOrDefault();
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null)
            {
                var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                memory = kb * 1024;
            }
        }
        catch (IOException)
        {
            // not Linux: leave them unknown
        }
        catch (UnauthorizedAccessException)
        {
            // same
        }

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
    public static long? MachineBusyTicks()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null)
            {
                return null;
            }

            // user nice system idle iowait irq softirq steal (guest time is already in user).
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return f.Sum() - f[3] - f[4];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>/proc/loadavg's 1, 5 and 15 minute load averages.</summary>
    public static string? LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

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
    public static string? CommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllBytes($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline");
            return System.Text.Encoding.UTF8.GetString(raw).TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static IReadOnlyList<int> AllPids()
    {
        try
        {
            return Directory.EnumerateDirectories("/proc")
                .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
                .Where(pid => pid > 0)
                .ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

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
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            try
            {
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length > 9 && f[3] == "0A" && f[1].EndsWith(":" + port.ToString("X4", CultureInfo.InvariantCulture), StringComparison.Ordinal))
                    {
                        inodes.Add(f[9]);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // no such table
            }
        }

        if (inodes.Count == 0)
        {
            return [];
        }

        var owners = new List<int>();
        foreach (var pid in AllPids())
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd"))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]))
                    {
                        owners.Add(pid);
                        break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone, or not ours to read
            }
        }

        return owners;
    }

    /// <summary>Sends a signal to one process, by id.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var close = text.LastIndexOf(')');
            return close < 0 ? null : text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
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
