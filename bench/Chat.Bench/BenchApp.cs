namespace Chat.Bench;

using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Chat.Client;

/// <summary>Parses options, starts (or finds) the server, runs the phases, reports, cleans up.</summary>
public static class BenchApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (ParseOrExplain(args) is not { } options)
        {
            return args.Contains("--help") || args.Contains("-h") ? 0 : 2;
        }

        using var cts = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            if (!cts.IsCancellationRequested)
            {
                Say("stopping (signal received)...");
                cts.Cancel();
            }
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var root = FindRoot();
        var outPath = options.Out is { } o ? Path.GetFullPath(o) : Path.Combine(root ?? Directory.GetCurrentDirectory(), "bench", "results", "latest.json");
        var report = NewReport(options);
        Say($"Chat.Bench on {report.Machine.CpuModel}, {report.Machine.Cores} cores, {report.Machine.MemoryGiB} GiB; target {options.BaseAddress}");
        var exitCode = await RunPhasesAsync(options, root, outPath, report, cts.Token);
        await WriteAsync(report, outPath);
        return exitCode;
    }

    /// <summary>The tables on stdout, the JSON in the --out file.</summary>
    private static async Task WriteAsync(BenchReport report, string outPath)
    {
        report.FinishedAt = DateTimeOffset.UtcNow;
        report.LoadAverageAtEnd = ProcFs.LoadAverage();
        Console.WriteLine();
        Console.WriteLine(ReportText.Render(report));
        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, BenchReport.Json) + "\n", CancellationToken.None);
        Console.WriteLine($"JSON: {outPath}");
    }

    /// <summary>The options, or null after printing the usage (asked for, or after a bad option).</summary>
    private static BenchOptions? ParseOrExplain(string[] args)
    {
        try
        {
            var options = BenchOptions.Parse(args);
            if (options.Help)
            {
                Console.WriteLine(BenchOptions.Usage);
                return null;
            }

            return options;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message + Environment.NewLine + Environment.NewLine + BenchOptions.Usage);
            return null;
        }
    }

    private static BenchReport NewReport(BenchOptions options)
    {
        var report = new BenchReport { Machine = ProcFs.Machine(), Parameters = options, LoadAverageAtStart = ProcFs.LoadAverage() };
        report.Server.BaseUrl = options.BaseAddress.ToString();
        return report;
    }

    /// <summary>Starts (or checks) the host, runs the phases, and always closes the connections and stops the host; the exit code.</summary>
    private static async Task<int> RunPhasesAsync(BenchOptions options, string? root, string outPath, BenchReport report, CancellationToken ct)
    {
        LocalHostProcess? host = null;
        BenchRun? run = null;
        using var http = NewHttpClient(options);
        try
        {
            host = !options.NeedsChatHost ? null
                : options.StartHost ? await StartHostAsync(options, root, outPath, report, ct) : await CheckRunningHostAsync(options, http, report, ct);
            var meter = new CpuMeter(FindProcesses(options, host, report));
            run = new BenchRun(options, http, meter, report, Say);
            await run.ExecuteAsync(ct);
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            report.Cancelled = true;
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or ChatApiException or IOException)
        {
            report.Error = e.Message;
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return 1;
        }
        finally
        {
            await CleanUpAsync(run, host);
        }
    }

    /// <summary>Closes the real-time connections and stops the host we started.</summary>
    private static async Task CleanUpAsync(BenchRun? run, LocalHostProcess? host)
    {
        if (run is not null)
        {
            Say("closing real-time connections...");
            await run.DisposeAsync();
        }

        if (host is not null)
        {
            Say("stopping the host...");
            await host.StopAsync(Say);
        }
    }

    private static HttpClient NewHttpClient(BenchOptions options) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = Math.Max(64, options.MaxInFlight + 32),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            BaseAddress = options.BaseAddress,
            Timeout = TimeSpan.FromSeconds(90),
        };

    private static async Task<LocalHostProcess> StartHostAsync(BenchOptions options, string? root, string outPath, BenchReport report, CancellationToken ct)
    {
        if (root is null)
        {
            throw new InvalidOperationException("--start-host needs the repository (Chat.Functions.sln) above the current directory.");
        }

        var logPath = Path.Combine(Path.GetDirectoryName(outPath)!, "host.log");
        var host = await LocalHostProcess.StartAsync(root, options, logPath, Say, ct);
        report.Server.StartedByBench = true;
        report.Server.HostLog = logPath;
        report.Server.HostEnvironment = host.Environment.ToDictionary(e => e.Key, e => Redact(e.Key, e.Value), StringComparer.Ordinal);
        return host;
    }

    /// <summary>Checks the host someone else started (null: not ours to stop).</summary>
    private static async Task<LocalHostProcess?> CheckRunningHostAsync(BenchOptions options, HttpClient http, BenchReport report, CancellationToken ct)
    {
        try
        {
            await new ChatClient(http).HealthAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or ChatApiException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"No healthy backend at {options.BaseAddress} ({e.Message}); start one or pass --start-host.", e);
        }

        if (!options.LimitsRaised)
        {
            Note(report, "The host was started outside the bench with (presumably) the default limits: 600 auth requests a minute per IP and " +
                "50 messages per 10 s per user. To measure past them, start it with Limits__AuthRequestsPerMinutePerIp=100000 " +
                "Limits__MessagesPerWindow=100000 in its environment and pass --limits-raised (or use --start-host).");
        }

        return null;
    }

    /// <summary>The server process and its emulators, for CPU accounting.</summary>
    private static Dictionary<string, IReadOnlyList<int>> FindProcesses(BenchOptions options, LocalHostProcess? host, BenchReport report)
    {
        var groups = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        if (options.Runs("xmpp"))
        {
            FindXmppServer(options, report, groups);
        }

        if (!options.NeedsChatHost)
        {
            return groups;
        }

        (report.Server.ServerPid, report.Server.ServerPidSource) = FindServer(options, host);
        if (report.Server.ServerPid is { } pid)
        {
            groups[CpuMeter.Server] = [pid];
            Say($"server pid {pid} ({report.Server.ServerPidSource})");
        }
        else
        {
            Note(report, "No server pid (pass --server-pid): no server CPU figures.");
        }

        FindEmulators(options, report, groups);
        return groups;
    }

    /// <summary>The emulators: the server's node children, else whatever node emulator listens on the configured ports.</summary>
    private static void FindEmulators(BenchOptions options, BenchReport report, Dictionary<string, IReadOnlyList<int>> groups)
    {
        var children = report.Server.ServerPid is { } s ? ProcFs.Descendants(s) : [];
        foreach (var (kind, port) in new[] { (CpuMeter.Cosmos, options.CosmosPort), (CpuMeter.Azurite, options.AzuritePort) })
        {
            var (pids, source) = children.Where(p => LocalHostProcess.EmulatorKind(ProcFs.CommandLine(p)) == kind).ToList() is { Count: > 0 } mine
                ? (mine, "child of the server")
                : (ProcFs.ListenersOf(port).Where(p => LocalHostProcess.EmulatorKind(ProcFs.CommandLine(p)) == kind).ToList(), $"listening on {port}");
            if (pids.Count > 0)
            {
                groups[kind] = pids;
                report.Server.EmulatorPids[kind] = pids;
                Say($"{kind} emulator pid {string.Join(',', pids)} ({source})");
            }
            else
            {
                Note(report, $"No {kind} emulator process found (not a child of the server, nothing on port {port}): no {kind} CPU figures.");
            }
        }
    }

    /// <summary>The XMPP baseline's server, on this machine: whatever listens on its port, else (another user's
    /// sockets cannot be read) ejabberd's Erlang VM by its command line.</summary>
    private static void FindXmppServer(BenchOptions options, BenchReport report, Dictionary<string, IReadOnlyList<int>> groups)
    {
        var host = options.Xmpp.Host;
        if (host != "localhost" && !(IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address)))
        {
            Note(report, $"The XMPP server {host} is not on this machine: no XMPP server CPU figures.");
            return;
        }

        var (pids, how) = ProcFs.ListenersOf(options.Xmpp.Port) is { Count: > 0 } listeners
            ? (listeners, $"listening on {options.Xmpp.Port}")
            : (ProcFs.AllPids().Where(p => ProcFs.CommandLine(p) is { } c && c.Contains("beam.smp", StringComparison.Ordinal) && c.Contains("ejabberd", StringComparison.Ordinal)).ToArray(),
                "ejabberd's beam.smp by its command line");
        if (pids.Count == 0)
        {
            Note(report, $"No process found listening on the XMPP port {options.Xmpp.Port} (or not readable) and no ejabberd: no XMPP server CPU figures.");
            return;
        }

        groups[CpuMeter.Xmpp] = pids;
        report.Server.XmppPids = [.. pids];
        Say($"xmpp server pid {string.Join(',', pids)} ({how})");
    }

    /// <summary>The server's pid and where it came from: the host we started, --server-pid, or the one Chat.LocalHost on the port.</summary>
    private static (int? Pid, string? Source) FindServer(BenchOptions options, LocalHostProcess? host)
    {
        if (host?.ServerPid is { } started)
        {
            return (started, "started by the bench (descendant of dotnet run running Chat.LocalHost)");
        }

        if (options.ServerPid is { } given)
        {
            return ProcFs.IsAlive(given) ? (given, "--server-pid") : throw new InvalidOperationException($"--server-pid {given}: no such process.");
        }

        return ProcFs.ListenersOf(options.ApiPort).Where(LocalHostProcess.IsServer).ToArray() is [var listener]
            ? (listener, $"the Chat.LocalHost process listening on {options.ApiPort}")
            : (null, null);
    }

    private static string? FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Chat.Functions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static string Redact(string key, string value) =>
        key.Contains("ConnectionString", StringComparison.Ordinal) || key == "AzureWebJobsStorage"
            ? string.Join(';', value.Split(';', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.Contains("key=", StringComparison.OrdinalIgnoreCase)))
            : value;

    private static void Note(BenchReport report, string note)
    {
        report.Notes.Add(note);
        Say("note: " + note);
    }

    private static void Say(string line) =>
        Console.WriteLine($"[{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {line}");
}
