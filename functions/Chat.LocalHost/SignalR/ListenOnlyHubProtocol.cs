namespace Chat.LocalHost.SignalR;

using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

/// <summary>
/// The JSON hub protocol, except that a client invoking a hub method is a protocol error, which
/// closes its connection: in Azure SignalR's serverless mode clients only listen.
/// </summary>
public sealed class ListenOnlyHubProtocol(IHubProtocol inner) : IHubProtocol
{
    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public static void Replace(IServiceCollection services)
    {
        services.RemoveAll<IHubProtocol>();
        services.AddSingleton<IHubProtocol>(sp => new ListenOnlyHubProtocol(new JsonHubProtocol(sp.GetRequiredService<IOptions<JsonHubProtocolOptions>>())));
    }

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        if (!inner.TryParseMessage(ref input, binder, out message))
        {
            return false;
        }

        return message is InvocationMessage or StreamInvocationMessage or StreamItemMessage or InvocationBindingFailureMessage
            ? throw new InvalidDataException("Clients of the serverless hub only listen; invoking a hub method closes the connection.")
            : true;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
}
