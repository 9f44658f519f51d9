namespace Chat.IntegrationTests.Infrastructure;

using System.Collections.Concurrent;
using Chat.Client;

/// <summary>Everything one real-time connection received, for bounded waits on conditions.</summary>
public sealed class EventLog
{
    public EventLog(ChatRealtime realtime)
    {
        realtime.Message += m => Messages.Enqueue(m);
        realtime.Receipt += r => Receipts.Enqueue(r);
        realtime.Typing += t => Typing.Enqueue(t);
        realtime.Chat += c => Chats.Enqueue(c);
        realtime.MessageDeleted += d => Deleted.Enqueue(d);
        realtime.Presence += p => Presence.Enqueue(p);
        realtime.MessageEdited += m => Edited.Enqueue(m);
        realtime.Reaction += r => Reactions.Enqueue(r);
    }

    public ConcurrentQueue<Message> Edited { get; } = new();

    public ConcurrentQueue<ReactionEvent> Reactions { get; } = new();

    public ConcurrentQueue<Message> Messages { get; } = new();

    public ConcurrentQueue<ReceiptEvent> Receipts { get; } = new();

    public ConcurrentQueue<TypingEvent> Typing { get; } = new();

    public ConcurrentQueue<ChatInfo> Chats { get; } = new();

    public ConcurrentQueue<MessageDeletedEvent> Deleted { get; } = new();

    public ConcurrentQueue<PresenceEvent> Presence { get; } = new();

    public static async Task<(ChatRealtime Connection, EventLog Log)> ConnectAsync(ChatClient client)
    {
        var connection = await ChatRealtime.ConnectAsync(client);
        return (connection, new EventLog(connection));
    }
}
