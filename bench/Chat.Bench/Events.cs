namespace Chat.Bench;

using System.Collections.Concurrent;
using System.Diagnostics;
using Chat.Client;

/// <summary>One signed-in user of the bench with its real-time connection.</summary>
public sealed class BenchUser(int index, string phoneNumber, string password, ChatClient client)
{
    public int Index { get; } = index;

    public string PhoneNumber { get; } = phoneNumber;

    public string Password { get; } = password;

    public ChatClient Client { get; } = client;

    public ChatRealtime? Realtime { get; set; }

    public string UserId => Client.UserId;

    /// <summary>Stopwatch timestamp of the last login/refresh (access tokens live 15 minutes).</summary>
    public long TokensAt { get; set; }

    public string? DirectChatId { get; set; }

    public BenchUser? Partner { get; set; }

    public bool Ready => Realtime is not null && Client.Tokens is not null;
}

/// <summary>A direct message in flight: sent by one user, expected on its partner's connection.</summary>
internal sealed class DirectProbe(int recipient)
{
    public const int Pending = 0;
    public const int Ok = 1;
    public const int Failed = 2;

    public readonly int Recipient = recipient;
    public long Start;
    public long SendEnd;
    public long Received;
    public int Outcome;
}

/// <summary>A group message: one receive timestamp per member slot (user index); slot 0 is the sender.</summary>
internal sealed class GroupProbe(int slots)
{
    public readonly long[] Received = new long[slots];
    public long Start;
    public long SendEnd;
    public int Count;
    public int Outcome;
}

/// <summary>Routes every user's <c>message</c> and <c>chat</c> events to the probes, by clientMessageId.</summary>
public sealed class EventRouter
{
    private readonly ConcurrentDictionary<string, DirectProbe> direct = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GroupProbe> group = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, byte>> chatEvents = new(StringComparer.Ordinal);
    private long duplicates;

    public long Duplicates => Interlocked.Read(ref duplicates);

    public void Attach(BenchUser user)
    {
        var realtime = user.Realtime ?? throw new InvalidOperationException("Not connected.");
        var index = user.Index;
        realtime.Message += m => OnMessage(index, m);
        realtime.Chat += c => chatEvents.GetOrAdd(c.ChatId, _ => new ConcurrentDictionary<int, byte>())[index] = 0;
    }

    /// <summary>Users (by index) that received a <c>chat</c> event for the chat.</summary>
    public bool SawChat(string chatId, int userIndex) =>
        chatEvents.TryGetValue(chatId, out var users) && users.ContainsKey(userIndex);

    internal void Track(string clientMessageId, DirectProbe probe) => direct[clientMessageId] = probe;

    internal void Track(string clientMessageId, GroupProbe probe) => group[clientMessageId] = probe;

    public void Forget()
    {
        direct.Clear();
        group.Clear();
    }

    private void OnMessage(int receiver, Message message)
    {
        var now = Stopwatch.GetTimestamp();
        if (direct.TryGetValue(message.ClientMessageId, out var d))
        {
            if (d.Recipient == receiver && Interlocked.CompareExchange(ref d.Received, now, 0) != 0)
            {
                Interlocked.Increment(ref duplicates);
            }

            return;
        }

        if (group.TryGetValue(message.ClientMessageId, out var g) && receiver > 0 && receiver < g.Received.Length)
        {
            if (Interlocked.CompareExchange(ref g.Received[receiver], now, 0) == 0)
            {
                Interlocked.Increment(ref g.Count);
            }
            else
            {
                Interlocked.Increment(ref duplicates);
            }
        }
    }
}
