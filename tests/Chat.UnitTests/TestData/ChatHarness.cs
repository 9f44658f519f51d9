namespace Chat.UnitTests.TestData;

using System.Collections.Concurrent;
using Chat.Core.Accounts;
using Chat.Core.Blocking;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Media;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Chat.Core.Presence;
using Chat.Core.Push;
using Chat.Core.Reactions;
using Chat.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

/// <summary>
/// Mocked ports behind a real <see cref="ChatService"/> and <see cref="MessageService"/>. The chat store
/// mock keeps the chats and appended messages it is given, as the real one does (ETags, one message per
/// sender's clientMessageId), so optimistic-concurrency loops see their own writes.
/// </summary>
public sealed class ChatHarness
{
    private readonly ConcurrentDictionary<string, Versioned<ChatRecord>> chats = new(StringComparer.Ordinal);
    private readonly object appendLock = new();
    private readonly ConcurrentDictionary<string, Queue<Versioned<ReceiptState>?>> stateReads = new(StringComparer.Ordinal);
    private int etag;

    public ChatHarness()
    {
        Metrics = new ChatMetrics(Meters);
        Chats.Setup(c => c.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => chats.GetValueOrDefault(id));
        Chats.Setup(c => c.TryCreateAsync(It.IsAny<ChatRecord>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ChatRecord chat, CancellationToken _) => chats.TryAdd(chat.ChatId, Version(chat)));
        Chats.Setup(c => c.TryReplaceAsync(It.IsAny<ChatRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ChatRecord chat, string tag, CancellationToken _) =>
                chats.TryGetValue(chat.ChatId, out var current) && current.ETag == tag && chats.TryUpdate(chat.ChatId, Version(chat), current));
        Chats.Setup(c => c.ReadAsync(It.IsAny<string>(), It.IsAny<StatesToRead>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, StatesToRead states, CancellationToken _) => chats.TryGetValue(id, out var chat) ? Snapshot(chat, states) : null);
        Chats.Setup(c => c.ReadActivityAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) =>
                ids.Where(chats.ContainsKey).ToDictionary(id => id, id => chats[id].Value.LastActivityAt, StringComparer.Ordinal));
        Chats.Setup(c => c.ReadManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) =>
                ids.Where(chats.ContainsKey).Select(id => Snapshot(chats[id], StatesToRead.Everyone)).ToArray());
        Chats.Setup(c => c.TryAppendAsync(It.IsAny<ChatRecord>(), It.IsAny<string>(), It.IsAny<MessageRecord>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ChatRecord updated, string tag, MessageRecord message, CancellationToken _) => Append(updated, tag, message));
        Messages.Setup(m => m.GetAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string chatId, long seq, CancellationToken _) => CurrentMessage(chatId, seq)?.Value.Message);
        Messages.Setup(m => m.FindSentAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string chatId, string sender, string clientId, bool withStates, CancellationToken _) =>
                Appended.FirstOrDefault(m => m.ChatId == chatId && m.SenderId == sender && m.ClientMessageId == clientId) is { } m
                    ? new SentMessage(m, withStates ? ReceiptStates.ToArray() : [])
                    : null);
        Messages.Setup(m => m.GetRangeAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string chatId, long from, long to, CancellationToken _) =>
                Appended.Where(m => m.ChatId == chatId && m.Seq >= from && m.Seq <= to).OrderBy(m => m.Seq)
                    .Select(m => CurrentMessage(chatId, m.Seq)!.Value).ToArray());
        Messages.Setup(m => m.SearchAsync(It.IsAny<string>(), It.IsAny<MessageSearch>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string chatId, MessageSearch search, CancellationToken _) =>
                Appended.Where(m => m.ChatId == chatId && m.Seq >= search.FromSeq && m.Seq <= search.ToSeq)
                    .Select(m => CurrentMessage(chatId, m.Seq)!.Value).Where(s => !s.Message.Deleted && search.Matches(s.Message.Text)).ToArray());
        Messages.Setup(m => m.GetRepliesAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string chatId, long seq, CancellationToken _) => Appended.Where(m => m.ChatId == chatId && m.ReplyTo?.Seq == seq).ToArray());
        Messages.Setup(m => m.GetWithReactionsAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string chatId, long seq, CancellationToken _) => CurrentMessage(chatId, seq));
        Messages.Setup(m => m.TryReplaceAsync(It.IsAny<MessageRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((MessageRecord message, string tag, CancellationToken _) => ReplaceMessage(message, tag));
        Reactions.Setup(r => r.PutAsync(It.IsAny<ReactionRecord>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ReactionRecord r, CancellationToken _) => PutReaction(r));
        Reactions.Setup(r => r.ClearAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .Callback((string chatId, long seq, CancellationToken _) =>
            {
                foreach (var key in ReactionItems.Keys.Where(k => k.ChatId == chatId && k.Seq == seq))
                {
                    ReactionItems.TryRemove(key, out var _);
                }
            })
            .Returns(Task.CompletedTask);
        Reactions.Setup(r => r.RemoveAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string chatId, long seq, string userId, CancellationToken _) => ReactionItems.TryRemove((chatId, seq, userId), out var _));

        Users.Setup(u => u.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => MissingUsers.Contains(id) ? null : new Versioned<UserAccount>(Profile(id), "u"));
        Users.Setup(u => u.GetManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) => ids.Where(id => !MissingUsers.Contains(id)).Select(Profile).ToArray());
        Users.Setup(u => u.TryReplaceAsync(It.IsAny<UserAccount>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((UserAccount user, string _, CancellationToken _) => (Profiles[user.UserId] = user) is not null);
        Users.Setup(u => u.ListContactsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new HashSet<string>(StringComparer.Ordinal));
        Users.Setup(u => u.SetBlockedByAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Callback((string userId, string blockerId, bool blocked, CancellationToken _) =>
            {
                if (blocked)
                {
                    BlockMarkers.Add((userId, blockerId));
                }
                else
                {
                    BlockMarkers.Remove((userId, blockerId));
                }
            })
            .Returns(Task.CompletedTask);

        Receipts.Setup(r => r.ListAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(() => ReceiptStates.ToArray());

        Presence.Setup(p => p.GetLastActiveAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) => LastActive.Where(a => ids.Contains(a.Key)).ToDictionary(a => a.Key, a => a.Value));
        PushLog.Setup(l => l.GetNotifiedAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string chatId, long seq, CancellationToken _) => Notified.TryGetValue((chatId, seq), out var set) ? set.ToHashSet() : new HashSet<string>());
        PushLog.Setup(l => l.SetNotifiedAsync(It.IsAny<string>(), It.IsAny<long>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .Callback((string chatId, long seq, IReadOnlyCollection<string> ids, CancellationToken _) => Notified[(chatId, seq)] = ids.ToArray())
            .Returns(Task.CompletedTask);

        Connections.Setup(c => c.OfAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) => ids.SelectMany(id => ConnectionsOfUser.GetValueOrDefault(id, [])).ToArray());
        Limiter = new InMemoryRateLimiter(Time);
        ChatLists = new ChatListFeed(ChatListOrder.Object, ChatListJobs.Object, Time, NullLogger<ChatListFeed>.Instance);
        ChatService = new ChatService(Chats.Object, Receipts.Object, Users.Object, Directory.Object, Realtime.Object, Limiter, ChatLists, ChatListOrder.Object, Options.Create(Limits), Time);
        MediaService = new MediaService(Media.Object, Blobs.Object, Chats.Object, Messages.Object, new Mock<IMediaJobs>().Object, new Mock<IThumbnailRenderer>().Object, new InMemoryRateLimiter(Time), Options.Create(new MediaOptions()), Options.Create(new LimitsOptions()), Time, NullLogger<MediaService>.Instance);
        PushService = new PushService(
            Chats.Object, Messages.Object, Users.Object, Presence.Object, PushHub.Object, PushJobs.Object, PushLog.Object, Options.Create(PushOptions), Time, NullLogger<PushService>.Instance, Metrics);
        Appender = new MessageAppender(ChatService, ChatLists, new SendLanes(), Chats.Object, Messages.Object, Realtime.Object, PushService, Time, NullLogger<MessageAppender>.Instance);
        MessageService = new MessageService(ChatService, Appender, MediaService, Messages.Object, Receipts.Object, Reactions.Object, Realtime.Object, Limiter, Options.Create(Limits), Time, Metrics);
        TypingService = new TypingService(ChatService, Users.Object, Realtime.Object, Connections.Object, Limiter, Options.Create(Limits));
        ForwardService = new ForwardService(ChatService, Appender, MediaService, Messages.Object, Limiter, Options.Create(Limits), Time, Metrics);
        EditService = new MessageEditService(ChatService, Messages.Object, Realtime.Object, Options.Create(Limits), Time, NullLogger<MessageEditService>.Instance);
        ReactionService = new ReactionService(ChatService, Messages.Object, Reactions.Object, Realtime.Object, Time);
        BlockService = new BlockService(Users.Object, ChatService, new PresenceService(Presence.Object, Users.Object, Realtime.Object, Connections.Object, Time, NullLogger<PresenceService>.Instance), Time);
    }

    public BlockService BlockService { get; }

    public TypingService TypingService { get; }

    /// <summary>The listed real-time connections per user; none unless a test adds some.</summary>
    public Dictionary<string, string[]> ConnectionsOfUser { get; } = new(StringComparer.Ordinal);

    public Mock<IUserConnections> Connections { get; } = new();

    public MessageEditService EditService { get; }

    public MessageAppender Appender { get; }

    public ForwardService ForwardService { get; }

    public ReactionService ReactionService { get; }

    public Mock<IReactionStore> Reactions { get; } = new();

    /// <summary>The reactions stored, one per member and message.</summary>
    public ConcurrentDictionary<(string ChatId, long Seq, string UserId), ReactionRecord> ReactionItems { get; } = new();

    /// <summary>Messages as replaced since they were appended, with their versions.</summary>
    private ConcurrentDictionary<(string ChatId, long Seq), Versioned<MessageRecord>> Replaced { get; } = new();

    /// <summary>As the store does: kept only while the message is there and not deleted.</summary>
    private bool PutReaction(ReactionRecord reaction)
    {
        if (CurrentMessage(reaction.ChatId, reaction.Seq)?.Value.Message is not { Deleted: false })
        {
            return false;
        }

        ReactionItems[(reaction.ChatId, reaction.Seq, reaction.UserId)] = reaction;
        return true;
    }

    /// <summary>The message as stored now (appended, then maybe replaced) with its reactions and version.</summary>
    public Versioned<StoredMessage>? CurrentMessage(string chatId, long seq)
    {
        var current = Replaced.TryGetValue((chatId, seq), out var replaced)
            ? replaced
            : Appended.FirstOrDefault(m => m.ChatId == chatId && m.Seq == seq) is { } appended ? new Versioned<MessageRecord>(appended, "m0") : null;
        var reactions = ReactionItems.Values.Where(r => r.ChatId == chatId && r.Seq == seq).ToArray();
        return current is null ? null : new Versioned<StoredMessage>(new StoredMessage(current.Value, reactions), current.ETag);
    }

    private bool ReplaceMessage(MessageRecord message, string tag)
    {
        lock (appendLock)
        {
            if (CurrentMessage(message.ChatId, message.Seq)?.ETag != tag)
            {
                return false;
            }

            Replaced[(message.ChatId, message.Seq)] = new Versioned<MessageRecord>(message, "m" + Interlocked.Increment(ref etag));
            return true;
        }
    }

    public Mock<IChatStore> Chats { get; } = new();

    public Mock<IChatListJobs> ChatListJobs { get; } = new();

    public Mock<IChatListOrder> ChatListOrder { get; } = new();

    public ChatListFeed ChatLists { get; }

    /// <summary>The messages appended through the chat store mock.</summary>
    public ConcurrentBag<MessageRecord> Appended { get; } = [];

    /// <summary>This harness's own meters: a <see cref="MetricRecorder"/> on them sees this harness only.</summary>
    public TestMeterFactory Meters { get; } = new();

    public ChatMetrics Metrics { get; }

    public Mock<IPresenceStore> Presence { get; } = new();

    /// <summary>Last activity the presence mock answers with.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> LastActive { get; } = new(StringComparer.Ordinal);

    /// <summary>What the push log mock holds, per (chat, seq).</summary>
    public ConcurrentDictionary<(string ChatId, long Seq), string[]> Notified { get; } = new();

    public Mock<IPushHub> PushHub { get; } = new();

    public Mock<IPushJobs> PushJobs { get; } = new();

    public Mock<IPushLog> PushLog { get; } = new();

    public PushOptions PushOptions { get; } = new();

    public PushService PushService { get; }

    public Mock<IMessageStore> Messages { get; } = new();

    public Mock<IReceiptStore> Receipts { get; } = new();

    public Mock<IUserStore> Users { get; } = new();

    public Mock<IDirectoryStore> Directory { get; } = new();

    public Mock<IMediaStore> Media { get; } = new();

    public Mock<IMediaBlobs> Blobs { get; } = new();

    public MediaService MediaService { get; }

    /// <summary>Loose: every call completes; tests verify the events they care about.</summary>
    public Mock<IRealtime> Realtime { get; } = new();

    public FakeTimeProvider Time { get; } = TestClock.New();

    public LimitsOptions Limits { get; } = new();

    public InMemoryRateLimiter Limiter { get; }

    public HashSet<string> MissingUsers { get; } = new(StringComparer.Ordinal);

    public List<ReceiptState> ReceiptStates { get; } = [];

    public ChatService ChatService { get; }

    public MessageService MessageService { get; }

    public static UserAccount Account(string userId) => new()
    {
        UserId = userId,
        PhoneNumber = "+1415555" + Math.Abs(userId.GetHashCode(StringComparison.Ordinal) % 10000).ToString("D4", System.Globalization.CultureInfo.InvariantCulture),
        DisplayName = "User " + userId,
        PasswordHash = "not-used",
        CreatedAt = TestClock.Start,
    };

    /// <summary>Profiles written by the code under test (block lists); any other user reads as <see cref="Account"/>.</summary>
    public ConcurrentDictionary<string, UserAccount> Profiles { get; } = new(StringComparer.Ordinal);

    /// <summary>The block markers written: (blocked user, blocker).</summary>
    public HashSet<(string UserId, string BlockerId)> BlockMarkers { get; } = [];

    public UserAccount Profile(string userId) => Profiles.GetValueOrDefault(userId) ?? Account(userId);

    public ChatRecord Store(ChatRecord chat)
    {
        chats[chat.ChatId] = Version(chat);
        return chat;
    }

    public ChatRecord Stored(string chatId) => chats[chatId].Value;

    public bool Exists(string chatId) => chats.ContainsKey(chatId);

    /// <summary>When set, an append of a message it returns an exception for fails with that exception, nothing written.</summary>
    public Func<MessageRecord, Exception?>? AppendFault { get; set; }

    private AppendResult Append(ChatRecord updated, string tag, MessageRecord message)
    {
        if (AppendFault?.Invoke(message) is { } fault)
        {
            throw fault;
        }

        lock (appendLock)
        {
            if (Appended.Any(m => m.ChatId == message.ChatId && m.SenderId == message.SenderId && m.ClientMessageId == message.ClientMessageId))
            {
                return new AppendResult(AppendOutcome.Duplicate);
            }

            if (!chats.TryGetValue(updated.ChatId, out var current) || current.ETag != tag)
            {
                return new AppendResult(AppendOutcome.Conflict);
            }

            var stored = Version(updated);
            chats[updated.ChatId] = stored;
            Appended.Add(message);
            var state = ReceiptStates.FirstOrDefault(s => s.UserId == message.SenderId);
            ReceiptStates.Remove(state!);
            ReceiptStates.Add((state ?? new ReceiptState(message.SenderId, 0, 0, message.SentAt)) with { LastSentSeq = message.Seq });
            return new AppendResult(AppendOutcome.Appended, stored.ETag);
        }
    }

    /// <summary>What reads of <paramref name="userId"/>'s receipt state answer, one after the other (the last one stays).</summary>
    public void ReadsState(string userId, params Versioned<ReceiptState>?[] reads) => stateReads[userId] = new Queue<Versioned<ReceiptState>?>(reads);

    private ChatSnapshot Snapshot(Versioned<ChatRecord> chat, StatesToRead states)
    {
        if (states.UserId is { } userId && stateReads.TryGetValue(userId, out var reads))
        {
            var read = reads.Count > 1 ? reads.Dequeue() : reads.Peek();
            return new ChatSnapshot(chat, read is null ? [] : [read]);
        }

        var listed = ReceiptStates.Where(s => states.All || s.UserId == states.UserId).Select(s => new Versioned<ReceiptState>(s, "r-" + s.GetHashCode()));
        return new ChatSnapshot(chat, listed.ToArray());
    }

    private Versioned<ChatRecord> Version(ChatRecord chat) =>
        new(chat, "e" + Interlocked.Increment(ref etag).ToString(System.Globalization.CultureInfo.InvariantCulture));
}
