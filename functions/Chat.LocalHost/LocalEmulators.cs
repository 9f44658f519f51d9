namespace Chat.LocalHost;

using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

public sealed class EmulatorOptions
{
    public const string Section = "LocalHost";

    /// <summary>Start Azurite and the Cosmos emulator when their configured loopback ports are closed.</summary>
    public bool StartEmulators { get; set; } = true;

    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Starts the local stand-ins the configuration points at (Cosmos emulator behind its compatibility
/// proxy, Azurite) as child processes when they are not already up, and stops them on exit.
/// </summary>
public sealed partial class LocalEmulators(IConfiguration configuration, IOptions<EmulatorOptions> options, ILogger<LocalEmulators> logger) : IHostedService
{
    private readonly List<Process> started = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.StartEmulators)
        {
            return;
        }

        var cosmos = EndpointOf(configuration["Cosmos:ConnectionString"], "AccountEndpoint");
        var storage = StorageEndpoints(configuration["AzureWebJobsStorage"]);
        var wanted = new List<(string Name, Uri Endpoint, Func<string[]> Command)>();
        if (cosmos is not null && IsLoopback(cosmos))
        {
            wanted.Add(("cosmos", cosmos, () => ["cosmos-emulator.mjs", "--port", cosmos.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        }

        if (storage is { } s && IsLoopback(s.Blob))
        {
            wanted.Add(("azurite", s.Blob, () => EmulatorCommands.Azurite(s.Blob.Port, s.Queue.Port, s.Table.Port)));
        }

        foreach (var (name, endpoint, command) in wanted)
        {
            if (await IsOpenAsync(endpoint, cancellationToken))
            {
                continue;
            }

            await InstallOnceAsync(cancellationToken);
            LogStarting(logger, name, endpoint.Port);
            var clock = Stopwatch.StartNew();
            started.Add(await EmulatorCommands.StartAsync(command(), endpoint, options.Value.StartTimeout, cancellationToken));
            LogStarted(logger, name, clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>The first run installs the stand-ins: say so, since npm ci is silent for a minute.</summary>
    private async Task InstallOnceAsync(CancellationToken ct)
    {
        if (EmulatorCommands.IsInstalled)
        {
            return;
        }

        LogInstalling(logger, RepositoryLayout.Tools);
        var clock = Stopwatch.StartNew();
        await EmulatorCommands.EnsureInstalledAsync(ct);
        LogInstalled(logger, clock.Elapsed.TotalSeconds);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var process in started)
        {
            EmulatorCommands.Stop(process);
        }

        return Task.CompletedTask;
    }

    public static Uri? EndpointOf(string? connectionString, string key) =>
        connectionString is not null && Chat.Functions.Configuration.ConnectionString.Parse(connectionString).TryGetValue(key, out var value) && value.Length > 0
            ? new Uri(value)
            : null;

    public static (Uri Blob, Uri Queue, Uri Table)? StorageEndpoints(string? connectionString)
    {
        if (connectionString is null)
        {
            return null;
        }

        if (connectionString.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase))
        {
            return (new Uri("http://127.0.0.1:10000"), new Uri("http://127.0.0.1:10001"), new Uri("http://127.0.0.1:10002"));
        }

        var blob = EndpointOf(connectionString, "BlobEndpoint");
        var queue = EndpointOf(connectionString, "QueueEndpoint");
        return blob is null || queue is null ? null : (blob, queue, EndpointOf(connectionString, "TableEndpoint") ?? new Uri($"http://127.0.0.1:{queue.Port + 1}"));
    }

    public static bool IsLoopback(Uri endpoint) => endpoint.IsLoopback;

    public static async Task<bool> IsOpenAsync(Uri endpoint, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting the {Emulator} emulator on port {Port}")]
    private static partial void LogStarting(ILogger logger, string emulator, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Emulator} emulator is up ({Seconds:0.0} s)")]
    private static partial void LogStarted(ILogger logger, string emulator, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "First run: installing the stand-ins (npm ci in {Directory}, about a minute)")]
    private static partial void LogInstalling(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stand-ins installed ({Seconds:0.0} s)")]
    private static partial void LogInstalled(ILogger logger, double seconds);
}

/// <summary>Installs (first run) and starts the Node-based stand-ins from tools/.</summary>
public static class EmulatorCommands
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static string[] Azurite(int blobPort, int queuePort, int tablePort) =>
    [
        Path.Combine("node_modules", "azurite", "dist", "src", "azurite.js"),
        "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry",
        "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    private static readonly string[] Packages = ["azurite", "@vercel/cosmosdb-server", "@microsoft/signalr"];

    /// <summary>Whether tools/node_modules holds the stand-ins' packages.</summary>
    public static bool IsInstalled => Packages.All(p => Directory.Exists(Path.Combine(RepositoryLayout.Tools, "node_modules", p)));

    /// <summary>Runs <c>npm ci</c> in tools/ once, when its packages are missing.</summary>
    public static async Task EnsureInstalledAsync(CancellationToken ct)
    {
        await InstallGate.WaitAsync(ct);
        try
        {
            if (IsInstalled)
            {
                return;
            }

            using var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error")
            {
                WorkingDirectory = RepositoryLayout.Tools,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException("Cannot start npm; install Node.js 20.");
            var stderr = npm.StandardError.ReadToEndAsync(ct);
            await npm.StandardOutput.ReadToEndAsync(ct);
            await npm.WaitForExitAsync(ct);
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException("npm ci in tools/ failed: " + await stderr);
            }
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Starts <c>node args...</c> in tools/ and waits until <paramref name="endpoint"/> accepts connections.</summary>
    public static async Task<Process> StartAsync(string[] args, Uri endpoint, TimeSpan timeout, CancellationToken ct)
    {
        await EnsureInstalledAsync(ct);
        var info = new ProcessStartInfo("node") { WorkingDirectory = RepositoryLayout.Tools, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Cannot start node; install Node.js 20.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + timeout;
        while (!await LocalEmulators.IsOpenAsync(endpoint, ct))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                Stop(process);
                throw new InvalidOperationException($"node {string.Join(' ', args)} did not open {endpoint} (exit code {(process.HasExited ? process.ExitCode : -1)}).");
            }

            await Task.Delay(100, ct);
        }

        return process;
    }

    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.Dispose();
    }
}
