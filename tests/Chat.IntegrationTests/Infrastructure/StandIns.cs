namespace Chat.IntegrationTests.Infrastructure;

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Chat.LocalHost;

/// <summary>Free loopback ports, and the emulators started on them for one test run.</summary>
public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A Cosmos emulator (behind the project's compatibility proxy) on its own port.</summary>
public sealed class CosmosEmulator : IAsyncDisposable
{
    public const string Key = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    private Process? process;

    private CosmosEmulator(int port) => Port = port;

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/");

    public string ConnectionString => $"AccountEndpoint={Endpoint};AccountKey={Key};";

    public static async Task<CosmosEmulator> StartAsync(int? port = null)
    {
        var emulator = new CosmosEmulator(port ?? Ports.Free());
        await emulator.RestartAsync();
        return emulator;
    }

    public async Task RestartAsync()
    {
        process = await EmulatorCommands.StartAsync(
            ["cosmos-emulator.mjs", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            Endpoint,
            TimeSpan.FromSeconds(60),
            CancellationToken.None);
    }

    /// <summary>Takes the endpoint down (connections refused) while the emulator keeps its data.</summary>
    public Task TakeDownAsync() => SignalAsync("USR1", expectOpen: false);

    /// <summary>Brings the endpoint back after <see cref="TakeDownAsync"/>.</summary>
    public Task BringUpAsync() => SignalAsync("USR2", expectOpen: true);

    /// <summary>Freezes the emulator (SIGSTOP): its port still accepts connections and open ones stay
    /// open, but nothing is answered until <see cref="ResumeAsync"/>, as a hung or overloaded service
    /// behaves. The proxy and its backend are one Node process, so both stop.</summary>
    public Task PauseAsync() => JobControl.PauseAsync(process!);

    /// <summary>Lets a paused emulator run on (SIGCONT); it then answers what queued up meanwhile.</summary>
    public Task ResumeAsync() => JobControl.ResumeAsync(process!);

    /// <summary>Kills the emulator, as an outage would.</summary>
    public void Kill()
    {
        if (process is not null)
        {
            EmulatorCommands.Stop(process);
            process = null;
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private async Task SignalAsync(string signal, bool expectOpen)
    {
        using var kill = Process.Start("kill", ["-" + signal, process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await LocalEmulators.IsOpenAsync(Endpoint, CancellationToken.None) != expectOpen)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The emulator did not go {(expectOpen ? "up" : "down")}.");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>Azurite (blobs, queues) on free ports; in memory, so a restart brings it back empty.</summary>
public sealed class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly int tablePort;

    private Process? process;

    private Azurite(int blobPort, int queuePort, int tablePort)
    {
        BlobPort = blobPort;
        QueuePort = queuePort;
        this.tablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;";

    public static async Task<Azurite> StartAsync()
    {
        var azurite = new Azurite(Ports.Free(), Ports.Free(), Ports.Free());
        await azurite.RestartAsync();
        return azurite;
    }

    /// <summary>Starts it (again) on the same ports, with no queues, containers or blobs.</summary>
    public async Task RestartAsync()
    {
        process = await EmulatorCommands.StartAsync(EmulatorCommands.Azurite(BlobPort, QueuePort, tablePort), new Uri($"http://127.0.0.1:{BlobPort}"), TimeSpan.FromSeconds(60), CancellationToken.None);
        await LocalEmulators.IsOpenAsync(new Uri($"http://127.0.0.1:{QueuePort}"), CancellationToken.None);
    }

    /// <summary>Freezes Azurite (SIGSTOP): its ports still accept connections and open ones stay open,
    /// but nothing is answered until <see cref="ResumeAsync"/>; it keeps what it holds.</summary>
    public Task PauseAsync() => JobControl.PauseAsync(process!);

    /// <summary>Lets a paused Azurite run on (SIGCONT); it then answers what queued up meanwhile.</summary>
    public Task ResumeAsync() => JobControl.ResumeAsync(process!);

    /// <summary>Kills it, as an outage would; everything it held is gone.</summary>
    public void Kill()
    {
        if (process is not null)
        {
            EmulatorCommands.Stop(process);
            process = null;
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Stops and continues a stand-in's process (SIGSTOP/SIGCONT), and waits until the kernel
/// reports it stopped or running again, so a pause is in effect when the call returns.</summary>
public static class JobControl
{
    public static Task PauseAsync(Process process) => SignalAsync(process, "STOP", stopped: true);

    public static Task ResumeAsync(Process process) => SignalAsync(process, "CONT", stopped: false);

    private static async Task SignalAsync(Process process, string signal, bool stopped)
    {
        using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException($"kill -{signal} {process.Id} exited with {kill.ExitCode}.");
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (IsStopped(process) != stopped)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Process {process.Id} did not {(stopped ? "stop" : "continue")}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>The state letter of /proc/{pid}/stat (after the parenthesised command name): T when stopped.</summary>
    private static bool IsStopped(Process process)
    {
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('T');
    }
}
