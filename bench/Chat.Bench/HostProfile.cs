namespace Chat.Bench;

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

/// <summary>One component of the host's CPU profile: its share of the samples, and whether Azure runs it elsewhere.</summary>
public sealed record ProfileShare(string Component, double Percent, bool StandIn);

/// <summary>A method that named samples' component (their innermost component frame), its component, and its share.</summary>
public sealed record ProfileMethod(string Method, string Component, double Percent);

/// <summary>
/// The host's CPU profile over the measured direct run (<c>--profile</c>): samples, their rate, and the
/// components by share. <see cref="StandInPercent"/> is what runs in the host here but in a separate
/// service in Azure (the local SignalR service, Garnet, the local sinks).
/// </summary>
public sealed record ProfileResult(long Samples, double SamplesPerSecond, double StandInPercent, IReadOnlyList<ProfileShare> Components, string DataFile)
{
    /// <summary>The methods that named the most samples' components (each sample's innermost component frame), by share.</summary>
    public IReadOnlyList<ProfileMethod> Methods { get; init; } = [];
}

/// <summary>
/// A CPU profile of the host during the measured direct run: <c>perf record</c> (cpu-clock at
/// <see cref="Frequency"/> Hz, frame-pointer call graphs) on the server process, symbolized by
/// <c>perf script</c> through the perf map the runtime writes when the host runs with
/// <see cref="HostEnvironment"/>. Each sample is charged to the innermost frame of a known component
/// (<see cref="Modules"/>, leaf first), so "Cosmos SDK" is the SDK's own code and the HTTP client
/// under it is "HttpClient"; a sample whose stack passes through a stand-in is also counted as the
/// stand-in's (<see cref="StandInTypes"/> and the stand-in modules). Kestrel's parsing of the local SignalR service's REST
/// requests cannot be told from the API's, so the stand-in share is a lower bound.
/// </summary>
public sealed class HostProfile(Process perf, Task<string> perfErrors, string dataFile, double seconds)
{
    public const int Frequency = 499;

    /// <summary>For the host: JIT-compiled code named in /tmp/perf-PID.map, in plain (not double-mapped) memory.</summary>
    public static readonly IReadOnlyDictionary<string, string> HostEnvironment = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["DOTNET_PerfMapEnabled"] = "1",
        ["DOTNET_EnableWriteXorExecute"] = "0",
    };

    private const string Waiting = "thread pool: workers waiting for work";
    private const string Waking = "thread pool: waking a worker";
    private const string LocalSignalR = "local SignalR service (stand-in)";
    private const string Runtime = "runtime (GC, JIT, thread pool, async)";
    private const string Other = "kernel (loopback TCP, scheduler), libc";

    private const int MethodsListed = 25;

    private const string Garnet = "Garnet (Redis stand-in)";
    private const string Sinks = "local SMS and push sinks (stand-in)";

    /// <summary>Types of the host's own stand-ins, and their components (the rest are whole modules: Garnet, the
    /// SignalR and WebSocket stacks, which only the local SignalR service uses here).</summary>
    private static readonly (string Type, string Name)[] StandInTypes =
    [
        ("Chat.LocalHost.SignalR.", LocalSignalR),
        ("Chat.LocalHost.LocalGarnet", Garnet),
        ("Chat.LocalHost.LocalNotificationHubSink", Sinks),
        ("Chat.LocalHost.LocalSmsSink", Sinks),
    ];

    /// <summary>The runtime's modules: a sample is the runtime's only when no component's frame is above them.</summary>
    private static readonly string[] RuntimeModules = ["libcoreclr", "libclrjit", "System.Private.CoreLib"];

    /// <summary>(component, module prefix): the first frame from the leaf up whose module is listed names the sample's
    /// component, so the runtime's frames (allocation, GC, async machinery) under a component's code are charged to it.</summary>
    private static readonly (string Name, string Module, bool StandIn)[] Modules =
    [
        (Garnet, "Garnet", true),
        (Garnet, "Tsavorite", true),
        (Garnet, "liblua", true),
        (LocalSignalR, "Microsoft.AspNetCore.SignalR", true),
        (LocalSignalR, "Microsoft.AspNetCore.Http.Connections", true),
        (LocalSignalR, "System.Net.WebSockets", true),
        ("System.Text.Json", "System.Text.Json", false),
        ("Cosmos SDK", "Microsoft.Azure.Cosmos", false),
        ("StackExchange.Redis", "StackExchange.Redis", false),
        ("JWT validation (IdentityModel)", "Microsoft.IdentityModel", false),
        ("JWT validation (IdentityModel)", "System.IdentityModel", false),
        ("Azure SDKs (Storage, Core)", "Azure.", false),
        ("HttpClient", "System.Net.Http", false),
        ("Kestrel", "Microsoft.AspNetCore.Server.Kestrel", false),
        ("ASP.NET Core and Microsoft.Extensions", "Microsoft.AspNetCore", false),
        ("ASP.NET Core and Microsoft.Extensions", "Microsoft.Extensions", false),
        ("metrics (System.Diagnostics)", "System.Diagnostics.DiagnosticSource", false),
        ("Chat.Functions", "Chat.Functions", false),
        ("Chat.Core", "Chat.Core", false),
        ("Chat.LocalHost", "Chat.LocalHost", false),
        ("sockets", "System.Net.Sockets", false),
        ("system calls (libSystem.Native)", "libSystem.Native", false),
        ("crypto (OpenSSL)", "libcrypto", false),
        ("crypto (OpenSSL)", "System.Security.Cryptography", false),
    ];

    /// <summary>A managed frame's own assembly: "[Asm] Type::Method", unlike the "[Asm]Type" of the types in its signature.</summary>
    private static readonly Regex OwnAssembly = new(@"\[(?<asm>[^\]]+)\] [^ ]+::", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>Starts <c>perf record</c> on the host for <paramref name="seconds"/>; null (and why) when perf cannot.</summary>
    public static HostProfile? Start(int pid, double seconds, string dataFile, Action<string> note)
    {
        var info = Perf("record", "-e", "cpu-clock", "-F", Frequency.ToString(CultureInfo.InvariantCulture), "-g",
            "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", dataFile, "--", "sleep", seconds.ToString("0.###", CultureInfo.InvariantCulture));
        try
        {
            return Process.Start(info) is { } perf ? new HostProfile(perf, perf.StandardError.ReadToEndAsync(), dataFile, seconds) : null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            note($"--profile: perf could not start ({e.Message}); no profile taken.");
            return null;
        }
    }

    /// <summary>Waits for the recording to end, then reads and classifies its samples.</summary>
    public async Task<ProfileResult?> FinishAsync(Action<string> note, CancellationToken ct)
    {
        await perf.WaitForExitAsync(ct);
        var recordErrors = await perfErrors;
        if (perf.ExitCode != 0)
        {
            note($"--profile: perf record exited with {perf.ExitCode}: {recordErrors.Trim()}");
            return null;
        }

        using var script = Process.Start(Perf("script", "-i", dataFile, "-F", "ip,sym,dso")) ?? throw new InvalidOperationException("perf script did not start.");
        var scriptErrors = script.StandardError.ReadToEndAsync(ct); // read alongside, so a chatty stderr cannot block it
        var tally = new ProfileTally();
        while (await script.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            tally.Add(line); // streamed: a 45 s recording is ~250,000 lines
        }

        await script.WaitForExitAsync(ct);
        if (script.ExitCode != 0)
        {
            note($"--profile: perf script exited with {script.ExitCode}: {(await scriptErrors).Trim()}");
            return null;
        }

        return tally.Result(seconds, dataFile);
    }

    /// <summary>The profile of <c>perf script -F ip,sym,dso</c> output over <paramref name="seconds"/>.</summary>
    public static ProfileResult Classify(IEnumerable<string> lines, double seconds, string dataFile)
    {
        var tally = new ProfileTally();
        foreach (var line in lines)
        {
            tally.Add(line);
        }

        return tally.Result(seconds, dataFile);
    }

    private static ProcessStartInfo Perf(params string[] args)
    {
        var info = new ProcessStartInfo("perf") { RedirectStandardOutput = args[0] == "script", RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Counts <c>perf script</c> samples (a line per frame, leaf first, tab-indented; a blank line ends a sample).</summary>
    private sealed class ProfileTally
    {
        private readonly Dictionary<string, long> byComponent = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Method, string Component), long> byMethod = [];
        private readonly List<string> frames = [];
        private long samples;
        private long standIn;

        public void Add(string line)
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]))
            {
                frames.Add(line);
                return;
            }

            Flush();
        }

        public ProfileResult Result(double seconds, string dataFile)
        {
            Flush();
            var total = Math.Max(1, samples);
            var shares = byComponent.OrderByDescending(e => e.Value)
                .Select(e => new ProfileShare(e.Key, Math.Round(100.0 * e.Value / total, 1), StandInTypes.Any(t => t.Name == e.Key) || Modules.Any(m => m.StandIn && m.Name == e.Key)))
                .ToArray();
            var methods = byMethod.OrderByDescending(e => e.Value).Take(MethodsListed)
                .Select(e => new ProfileMethod(e.Key.Method, e.Key.Component, Math.Round(100.0 * e.Value / total, 1)))
                .ToArray();
            return new ProfileResult(samples, Math.Round(samples / seconds, 1), Math.Round(100.0 * standIn / total, 1), shares, dataFile) { Methods = methods };
        }

        private void Flush()
        {
            if (frames.Count == 0)
            {
                return;
            }

            samples++;
            var parsed = frames.Select(f => (Frame: f, Module: ModuleOf(f))).ToArray();
            standIn += parsed.Any(f => IsStandIn(f.Frame, f.Module)) ? 1 : 0;
            var named = parsed.Select(f => (f.Frame, Component: Component(f.Frame, f.Module))).FirstOrDefault(c => c.Component is not null);
            var component = named.Component
                ?? (parsed.Any(f => IsRuntime(f.Module)) ? Runtime : Other);
            byComponent[component] = byComponent.GetValueOrDefault(component) + 1;
            // No component's frame: the innermost runtime frame names a runtime sample, the leaf any other.
            var fallback = component == Runtime ? parsed.First(f => IsRuntime(f.Module)) : parsed[0];
            var method = (named.Frame is { } frame ? MethodOf(frame, string.Empty) : MethodOf(fallback.Frame, fallback.Module), component);
            byMethod[method] = byMethod.GetValueOrDefault(method) + 1;
            frames.Clear();
        }

        private static string? Component(string frame, string module)
        {
            if (frame.Contains("LowLevelLifoSemaphore::", StringComparison.Ordinal))
            {
                return frame.Contains("LowLevelLifoSemaphore::Release", StringComparison.Ordinal) ? Waking : Waiting;
            }

            return Array.Find(StandInTypes, t => frame.Contains(t.Type, StringComparison.Ordinal)).Name
                ?? Array.Find(Modules, m => module.StartsWith(m.Module, StringComparison.Ordinal)).Name;
        }

        private static bool IsStandIn(string frame, string module) =>
            StandInTypes.Any(t => frame.Contains(t.Type, StringComparison.Ordinal))
            || Modules.Any(m => m.StandIn && module.StartsWith(m.Module, StringComparison.Ordinal));

        private static bool IsRuntime(string module) => RuntimeModules.Any(m => module.StartsWith(m, StringComparison.Ordinal));

        /// <summary>A frame without its address and module: "[Asm] Type::Method(args)[Tier]" or a native symbol; an
        /// unnamed native frame keeps its <paramref name="module"/>, so those of different libraries stay apart.</summary>
        private static string MethodOf(string frame, string module)
        {
            var text = frame.Trim();
            var start = text.IndexOf(' ', StringComparison.Ordinal);
            var end = text.LastIndexOf(" (", StringComparison.Ordinal);
            var method = start < 0 || end <= start ? text : text[(start + 1)..end];
            return method == "[unknown]" && module.Length > 0 ? $"[unknown] in {module}" : method;
        }

        /// <summary>The assembly of a managed frame, else the file name of the frame's module ("(/path/libcoreclr.so)").</summary>
        private static string ModuleOf(string frame)
        {
            var own = OwnAssembly.Match(frame);
            if (own.Success)
            {
                return own.Groups["asm"].Value;
            }

            var open = frame.LastIndexOf(" (", StringComparison.Ordinal);
            return open < 0 ? string.Empty : Path.GetFileName(frame[(open + 2)..].TrimEnd(')'));
        }
    }
}
