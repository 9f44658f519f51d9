namespace Chat.IntegrationTests.Infrastructure;

using Chat.LocalHost;
using Garnet;

/// <summary>Garnet (Redis) in this process on a free port; <see cref="Shared"/> serves every host of a run
/// that brings no Redis of its own. In memory, so a restart brings it back empty.</summary>
public sealed class GarnetStandIn : IDisposable
{
    private static readonly Lazy<GarnetStandIn> SharedInstance = new(() => Start());

    private readonly Lock gate = new();
    private GarnetServer? server;

    private GarnetStandIn(int port) => Port = port;

    public static GarnetStandIn Shared => SharedInstance.Value;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static GarnetStandIn Start(int? port = null)
    {
        var garnet = new GarnetStandIn(port ?? Ports.Free());
        garnet.Restart();
        return garnet;
    }

    /// <summary>Starts it (again) on the same port, empty.</summary>
    public void Restart()
    {
        lock (gate)
        {
            server ??= LocalGarnet.Start(Port);
        }
    }

    /// <summary>Stops it, as an outage would: the port refuses connections and its data is gone.</summary>
    public void Kill()
    {
        lock (gate)
        {
            server?.Dispose();
            server = null;
        }
    }

    public void Dispose() => Kill();
}
