namespace Chat.Client;

using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

/// <summary>
/// A listening connection to the hub: <c>withUrl("&lt;host&gt;/api")</c> negotiates through the API and
/// is redirected to the SignalR service. Events are raised as they arrive; clients never invoke.
/// </summary>
public sealed class ChatRealtime : IAsyncDisposable
{
    private ChatRealtime(HubConnection connection) => Connection = connection;

    public HubConnection Connection { get; }

    public event Action<Message>? Message;

    public event Action<ReceiptEvent>? Receipt;

    public event Action<TypingEvent>? Typing;

    public event Action<ChatInfo>? Chat;

    public event Action<MessageDeletedEvent>? MessageDeleted;

    public event Action<Message>? MessageEdited;

    public event Action<ReactionEvent>? Reaction;

    public event Action<PresenceEvent>? Presence;

    /// <summary>Connects as the client's signed-in user.</summary>
    public static async Task<ChatRealtime> ConnectAsync(ChatClient client, HttpTransportType transports = HttpTransportType.WebSockets, CancellationToken ct = default)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(client.Http.BaseAddress!, "api"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult(client.Tokens?.AccessToken);
                options.Transports = transports;
            })
            .Build();
        var realtime = new ChatRealtime(connection);
        connection.On<Message>("message", m => realtime.Message?.Invoke(m));
        connection.On<ReceiptEvent>("receipt", r => realtime.Receipt?.Invoke(r));
        connection.On<TypingEvent>("typing", t => realtime.Typing?.Invoke(t));
        connection.On<ChatInfo>("chat", c => realtime.Chat?.Invoke(c));
        connection.On<MessageDeletedEvent>("messageDeleted", d => realtime.MessageDeleted?.Invoke(d));
        connection.On<Message>("messageEdited", m => realtime.MessageEdited?.Invoke(m));
        connection.On<ReactionEvent>("reaction", r => realtime.Reaction?.Invoke(r));
        connection.On<PresenceEvent>("presence", p => realtime.Presence?.Invoke(p));
        await connection.StartAsync(ct);
        return realtime;
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
