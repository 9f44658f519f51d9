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

    public bool SignedIn => Client.Tokens is not null;

    public bool Ready => Realtime is not null && SignedIn;
}

/// <summary>A message the bench sent: when (monotonic and wall clock), how the call ended, the seq it got.</summary>
internal class SendProbe
{
    public const int Ok = 1;
    public const int Failed = 2;

    public long Start;
    public DateTimeOffset StartWall;
    public long SendEnd;
    public long Seq;
    public int Outcome;

    public bool IsOk => Volatile.Read(ref Outcome) == Ok;
}

/// <summary>A direct message: expected on its recipient's connection.</summary>
internal sealed class DirectProbe(int recipient) : SendProbe
{
    public readonly int Recipient = recipient;
    public long Received;

    public bool Delivered => Interlocked.Read(ref Received) != 0;
}

/// <summary>A group message: one receive timestamp per member slot (user index); slot 0 is the sender.</summary>
internal sealed class GroupProbe(int slots) : SendProbe
{
    public readonly long[] Received = new long[slots];
    public int Count;
}

/// <summary>Routes every user's <c>message</c> and <c>chat</c> events (and the XMPP baseline's messages) to the probes, by clientMessageId.</summary>
public sealed class EventRouter
{
    private readonly ConcurrentDictionary<string, SendProbe> probes = new(StringComparer.Ordinal);
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

    /// <summary>Whether the user (by index) received a <c>chat</c> event for the chat.</summary>
    public bool SawChat(string chatId, int userIndex) =>
        chatEvents.TryGetValue(chatId, out var users) && users.ContainsKey(userIndex);

    internal void Track(string clientMessageId, SendProbe probe) => probes[clientMessageId] = probe;

    public void Forget() => probes.Clear();

    private void OnMessage(int receiver, Message message) => Arrived(receiver, message.ClientMessageId, Stopwatch.GetTimestamp());

    /// <summary>The message sent under <paramref name="id"/> reached the user <paramref name="receiver"/> (by index) at <paramref name="now"/>.</summary>
    public void Arrived(int receiver, string id, long now)
    {
        var first = probes.GetValueOrDefault(id) switch
        {
            DirectProbe d when d.Recipient == receiver => Interlocked.CompareExchange(ref d.Received, now, 0) == 0,
            GroupProbe g when receiver > 0 && receiver < g.Received.Length => Interlocked.CompareExchange(ref g.Received[receiver], now, 0) == 0
                && Interlocked.Increment(ref g.Count) > 0,
            _ => true,
        };
        if (!first)
        {
            Interlocked.Increment(ref duplicates);
        }
    }
}
