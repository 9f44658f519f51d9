namespace Chat.Bench;

using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

/// <summary>
/// The local host the bench starts: <c>dotnet run --project functions/Chat.LocalHost -c Release -- --urls
/// http://127.0.0.1:PORT</c> from the repository root, with raised limits. Its real server process is the
/// descendant of <c>dotnet run</c> that runs Chat.LocalHost; the emulators are that one's node children.
/// </summary>
public sealed class LocalHostProcess
{
    private readonly Process dotnetRun;
    private readonly StreamWriter log;
    private readonly Lock logGate = new();

    private LocalHostProcess(Process dotnetRun, StreamWriter log, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        this.dotnetRun = dotnetRun;
        this.log = log;
        LogPath = logPath;
        Environment = environment;
        dotnetRun.OutputDataReceived += (_, e) => Log(e.Data);
        dotnetRun.ErrorDataReceived += (_, e) => Log(e.Data);
        dotnetRun.BeginOutputReadLine();
        dotnetRun.BeginErrorReadLine();
    }

    public int? ServerPid { get; private set; }

    public string LogPath { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public static async Task<LocalHostProcess> StartAsync(string root, BenchOptions options, string logPath, Action<string> say, CancellationToken ct)
    {
        var port = options.ApiPort;
        if (await IsOpenAsync(port, ct))
        {
            throw new InvalidOperationException($"Port {port} is in use (someone else's host?): pass --port with a free port.");
        }

        var environment = HostEnvironment(root, options, say);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = Process.Start(StartInfo(root, port, environment)) ?? throw new InvalidOperationException("Cannot start dotnet.");
        var host = new LocalHostProcess(process, log, logPath, environment);
        say($"started `dotnet run --project functions/Chat.LocalHost -c Release -- --urls http://127.0.0.1:{port}` (pid {process.Id}); log: {logPath}");

        try
        {
            await host.WaitHealthyAsync(options, say, ct);
            await host.FindServerAsync(ct);
        }
        catch
        {
            await host.StopAsync(say);
            throw;
        }

        return host;
    }

    private static ProcessStartInfo StartInfo(string root, int port, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "--project", "functions/Chat.LocalHost", "-c", "Release", "--", "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Environment of the host: raised limits, endpoints moved to our port, maybe emulators of our own.</summary>
    private static Dictionary<string, string> HostEnvironment(string root, BenchOptions options, Action<string> say)
    {
        var values = SettingsValues(root);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Limits__AuthRequestsPerMinutePerIp"] = "100000",
            ["Limits__MessagesPerWindow"] = "100000",
            ["Limits__GroupJoinsPerMinute"] = "100000",
            ["Limits__GroupCreationsPerHour"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };

        FollowToPort(env, values, options.ApiPort);
        if (options.PushCollapseWindowSeconds is { } window)
        {
            env["Push__CollapseWindow"] = TimeSpan.FromSeconds(window).ToString("c", CultureInfo.InvariantCulture);
        }

        if (options.Profile)
        {
            foreach (var (key, value) in HostProfile.HostEnvironment)
            {
                env[key] = value;
            }
        }

        ChooseEmulators(env, values, options, say);
        return env;
    }

    /// <summary>--emulators: fresh ones of the host's own on free ports, or the default ports (reused when something listens there).</summary>
    private static void ChooseEmulators(Dictionary<string, string> env, Dictionary<string, string> values, BenchOptions options, Action<string> say)
    {
        var defaults = $"{options.CosmosPort} and {options.AzuritePort}-{options.AzuritePort + 2}";
        var defaultsFree = !IsOpen(options.CosmosPort) && !Enumerable.Range(options.AzuritePort, 3).Any(IsOpen);
        if (options.Emulators == EmulatorMode.Reuse)
        {
            say($"emulators: reusing whatever listens on {defaults} (started by the host if nothing does)");
        }
        else if (options.Emulators == EmulatorMode.Own || !defaultsFree)
        {
            var (cosmos, blob, queue, table) = OwnEmulators(env, values);
            say($"emulators: the host starts its own (Cosmos on {cosmos}, Azurite on {blob}/{queue}/{table})" +
                (options.Emulators == EmulatorMode.Auto ? $", because {defaults} is in use" : string.Empty));
        }
        else
        {
            say($"emulators: the host starts them on the default ports ({defaults})");
        }
    }

    /// <summary>The SMS sink, the local SignalR service and the local Notification Hubs sink live in the host itself: follow it to its port.</summary>
    private static void FollowToPort(Dictionary<string, string> env, Dictionary<string, string> values, int port)
    {
        var self = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        if (values.TryGetValue("Sms__ConnectionString", out var sms))
        {
            env["Sms__ConnectionString"] = ConnectionStrings.Replace(sms, "endpoint", self + "/");
        }

        if (values.TryGetValue("SignalR__ConnectionString", out var signalr))
        {
            env["SignalR__ConnectionString"] = ConnectionStrings.Replace(signalr, "Endpoint", self);
        }

        // So does the local Notification Hubs sink; a real hub (sb://...) is left alone (the push phase then finds nothing locally).
        if (values.TryGetValue("NotificationHubs__ConnectionString", out var hubs)
            && hubs.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals("Endpoint", StringComparison.OrdinalIgnoreCase)) is [_, var endpoint]
            && Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var hubUri) && hubUri.Scheme == Uri.UriSchemeHttp && hubUri.IsLoopback)
        {
            env["NotificationHubs__ConnectionString"] = ConnectionStrings.Replace(hubs, "Endpoint", new UriBuilder(hubUri) { Host = "127.0.0.1", Port = port }.Uri.ToString());
        }
    }

    /// <summary>Free ports for a Cosmos emulator and an Azurite of the host's own; every development-storage setting follows.</summary>
    private static (int Cosmos, int Blob, int Queue, int Table) OwnEmulators(Dictionary<string, string> env, Dictionary<string, string> values)
    {
        var (cosmos, blob, queue, table) = (FreePort(), FreePort(), FreePort(), FreePort());
        var cosmosValue = values.GetValueOrDefault("Cosmos__ConnectionString")
            ?? "AccountEndpoint=http://127.0.0.1:8081/;AccountKey=C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==;";
        env["Cosmos__ConnectionString"] = ConnectionStrings.Replace(cosmosValue, "AccountEndpoint", $"http://127.0.0.1:{cosmos.ToString(CultureInfo.InvariantCulture)}/");
        env["AzureWebJobsStorage"] =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
        env["LocalHost__StartEmulators"] = "true";

        // Any other storage setting on the development account (e.g. media) follows to our Azurite.
        foreach (var (key, value) in values)
        {
            if (value.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase))
            {
                env[key] = env["AzureWebJobsStorage"];
            }
        }

        return (cosmos, blob, queue, table);
    }

    /// <summary>The Values of local.settings.json, or of the sample (what the host reads too).</summary>
    private static Dictionary<string, string> SettingsValues(string root)
    {
        var own = Path.Combine(root, "local.settings.json");
        var path = File.Exists(own) ? own : Path.Combine(root, "local.settings.sample.json");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return values;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (document.RootElement.TryGetProperty("Values", out var v) && v.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in v.EnumerateObject())
            {
                values[p.Name.Replace(":", "__", StringComparison.Ordinal)] = p.Value.ToString();
            }
        }

        return values;
    }

    private async Task WaitHealthyAsync(BenchOptions options, Action<string> say, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = options.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var started = Stopwatch.StartNew();
        var lastSay = TimeSpan.Zero;
        var timeout = TimeSpan.FromSeconds(options.HostStartTimeoutSeconds);
        while (!await IsHealthyAsync(http, ct))
        {
            if (dotnetRun.HasExited)
            {
                throw new InvalidOperationException($"The host exited with code {dotnetRun.ExitCode} before it was healthy; see {LogPath}.");
            }

            if (started.Elapsed >= timeout)
            {
                throw new TimeoutException($"The host did not answer /api/health with 200 within {timeout.TotalSeconds:F0} s; see {LogPath}.");
            }

            if (started.Elapsed - lastSay > TimeSpan.FromSeconds(15))
            {
                lastSay = started.Elapsed;
                say($"waiting for the host ({started.Elapsed.TotalSeconds:F0} s; building on first run)...");
            }

            await Task.Delay(500, ct);
        }

        say($"host healthy after {started.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<bool> IsHealthyAsync(HttpClient http, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync("api/health", ct);
            return (int)response.StatusCode == 200;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false; // not up yet
        }
    }

    /// <summary>The server is the descendant of `dotnet run` that runs Chat.LocalHost (apphost or dll); the emulators are its node children.</summary>
    private async Task FindServerAsync(CancellationToken ct)
    {
        for (var attempt = 0; attempt < 50 && ServerPid is null; attempt++)
        {
            ServerPid = ProcFs.Descendants(dotnetRun.Id).FirstOrDefault(IsServer) is var pid and > 0 ? pid : null;
            if (ServerPid is null)
            {
                await Task.Delay(100, ct);
            }
        }

        if (ServerPid is null)
        {
            throw new InvalidOperationException($"Cannot find the Chat.LocalHost process below pid {dotnetRun.Id}.");
        }
    }

    public static bool IsServer(int pid)
    {
        var cmd = ProcFs.CommandLine(pid);
        if (cmd is null)
        {
            return false;
        }

        var first = cmd.Split(' ', 2)[0];
        return cmd.Contains("Chat.LocalHost.dll", StringComparison.Ordinal) || first.EndsWith("/Chat.LocalHost", StringComparison.Ordinal);
    }

    /// <summary>"cosmos" or "azurite" for an emulator's command line, else null.</summary>
    public static string? EmulatorKind(string? commandLine) =>
        commandLine is null || !commandLine.StartsWith("node", StringComparison.Ordinal) && !commandLine.Contains("/node ", StringComparison.Ordinal) ? null
        : commandLine.Contains("cosmos-emulator.mjs", StringComparison.Ordinal) ? CpuMeter.Cosmos
        : commandLine.Contains("azurite", StringComparison.Ordinal) ? CpuMeter.Azurite
        : null;

    /// <summary>SIGTERM to the server (it stops the emulators it started), then SIGKILL to what is left of ours.</summary>
    public async Task StopAsync(Action<string> say)
    {
        var ours = SignalServer();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await dotnetRun.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            say("the host did not stop within 30 s: killing it");
        }

        foreach (var pid in ours.Where(ProcFs.IsAlive))
        {
            ProcFs.Signal(pid, ProcFs.SigKill);
        }

        if (!dotnetRun.HasExited)
        {
            dotnetRun.Kill(entireProcessTree: true);
            dotnetRun.WaitForExit(5000);
        }

        say($"host stopped (exit code {(dotnetRun.HasExited ? dotnetRun.ExitCode.ToString(CultureInfo.InvariantCulture) : "?")})");
        dotnetRun.Dispose();
        Log(null, close: true);
    }

    /// <summary>SIGTERM to the server (or, not found yet, to any Chat.LocalHost below dotnet run); the processes that are ours.</summary>
    private List<int> SignalServer()
    {
        if (ServerPid is { } server)
        {
            var ours = ProcFs.Descendants(server).Append(server).ToList();
            ProcFs.Signal(server, ProcFs.SigTerm);
            return ours;
        }

        var below = dotnetRun.HasExited ? [] : ProcFs.Descendants(dotnetRun.Id).ToList();
        foreach (var pid in below.Where(IsServer))
        {
            ProcFs.Signal(pid, ProcFs.SigTerm);
        }

        return below;
    }

    /// <summary>A line of the host's output to the log (null: the end of one of its streams); <paramref name="close"/> closes the log.</summary>
    private void Log(string? line, bool close = false)
    {
        lock (logGate)
        {
            try
            {
                if (close)
                {
                    log.Dispose();
                }
                else if (line is not null)
                {
                    log.WriteLine(line);
                }
            }
            catch (ObjectDisposedException)
            {
                // stopped
            }
        }
    }

    public static async Task<bool> IsOpenAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static bool IsOpen(int port) => IsOpenAsync(port, CancellationToken.None).GetAwaiter().GetResult();

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Edits <c>key=value;</c> connection strings.</summary>
public static class ConnectionStrings
{
    public static string Replace(string connectionString, string key, string value)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries).ToList();
        var index = parts.FindIndex(p => p.Split('=', 2)[0].Trim().Equals(key, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            parts[index] = parts[index].Split('=', 2)[0] + "=" + value;
        }
        else
        {
            parts.Insert(0, key + "=" + value);
        }

        return string.Join(';', parts) + ";";
    }
}
