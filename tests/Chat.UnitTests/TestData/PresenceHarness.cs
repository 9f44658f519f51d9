namespace Chat.UnitTests.TestData;

using System.Collections.Concurrent;
using Chat.Core.Accounts;
using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Presence;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Moq;

/// <summary>
/// A real <see cref="PresenceService"/> over mocked ports. The presence store mock keeps what it is
/// given; chats added with <see cref="AddChat"/> are readable and listed in their members' chat index.
/// </summary>
public sealed class PresenceHarness
{
    private readonly ConcurrentDictionary<string, Versioned<ChatRecord>> chats = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<string>> chatIndex = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UserAccount> profiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<string>> blockers = new(StringComparer.Ordinal);

    public PresenceHarness(FakeTimeProvider? time = null)
    {
        Time = time ?? TestClock.New();

        Store.Setup(s => s.GetLastActiveAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) =>
                (IReadOnlyDictionary<string, DateTimeOffset>)ids.Where(LastActive.ContainsKey).ToDictionary(id => id, id => LastActive[id], StringComparer.Ordinal));
        Store.Setup(s => s.SetLastActiveAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, DateTimeOffset at, CancellationToken _) =>
            {
                DateTimeOffset? previous = LastActive.TryGetValue(id, out var p) ? p : null;
                LastActive[id] = at;
                return new ActivityWrite(previous, HiddenCache.ContainsKey(id));
            });

        Users.Setup(u => u.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => new Versioned<UserAccount>(Profile(id), "u"));
        Users.Setup(u => u.GetManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) => ids.Select(Profile).ToArray());
        Users.Setup(u => u.ListContactsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => Contacts(id));
        Store.Setup(s => s.ReadAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) => new PresenceRead(
                ids.Where(LastActive.ContainsKey).ToDictionary(id => id, id => LastActive[id], StringComparer.Ordinal),
                ids.Where(HiddenCache.ContainsKey).ToDictionary(id => id, id => HiddenCache[id], StringComparer.Ordinal)));
        Store.Setup(s => s.RememberHiddenAsync(It.IsAny<IReadOnlyDictionary<string, HiddenChoice>>(), It.IsAny<CancellationToken>()))
            .Callback((IReadOnlyDictionary<string, HiddenChoice> choices, CancellationToken _) =>
            {
                foreach (var (id, choice) in choices)
                {
                    HiddenCache.TryAdd(id, choice.Hidden); // readers never overwrite a cached choice
                }
            })
            .Returns(Task.CompletedTask);
        Store.Setup(s => s.SetHiddenAsync(It.IsAny<string>(), It.IsAny<HiddenChoice>(), It.IsAny<CancellationToken>()))
            .Callback((string id, HiddenChoice choice, CancellationToken _) => HiddenCache[id] = choice.Hidden)
            .Returns(Task.CompletedTask);

        Logger.Setup(l => l.IsEnabled(It.IsAny<LogLevel>())).Returns(true);
        Connections.Setup(c => c.OfAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyCollection<string> ids, CancellationToken _) => ids.SelectMany(id => ConnectionsOfUser.GetValueOrDefault(id, [])).ToArray());
        Service = new PresenceService(Store.Object, Users.Object, Realtime.Object, Connections.Object, Time, Logger.Object);
    }

    public Mock<IPresenceStore> Store { get; } = new();

    public Mock<IUserStore> Users { get; } = new();

    /// <summary>The "hides last seen" choices the presence store mock has cached.</summary>
    public ConcurrentDictionary<string, bool> HiddenCache { get; } = new(StringComparer.Ordinal);

    public Mock<IRealtime> Realtime { get; } = new();

    public Mock<IUserConnections> Connections { get; } = new();

    /// <summary>The listed real-time connections per user; none unless a test adds some.</summary>
    public Dictionary<string, string[]> ConnectionsOfUser { get; } = new(StringComparer.Ordinal);

    public FakeTimeProvider Time { get; }

    public Mock<ILogger<PresenceService>> Logger { get; } = new();

    public ConcurrentDictionary<string, DateTimeOffset> LastActive { get; } = new(StringComparer.Ordinal);

    public PresenceService Service { get; }

    /// <summary>Stores the chat and lists it in each member's chat index.</summary>
    public ChatRecord AddChat(ChatRecord chat)
    {
        chats[chat.ChatId] = new Versioned<ChatRecord>(chat, "e");
        foreach (var member in chat.Members)
        {
            chatIndex.GetOrAdd(member.UserId, _ => []).Add(chat.ChatId);
        }

        return chat;
    }

    /// <summary>Lists a chat id in the user's index without storing the chat (a stale index entry).</summary>
    public void AddIndexEntry(string userId, string chatId) => chatIndex.GetOrAdd(userId, _ => []).Add(chatId);

    /// <summary><paramref name="blockerId"/> blocks <paramref name="userId"/>: the blocker's profile lists them last, and (the
    /// store's block marker) the blocker leaves the blocked user's contacts.</summary>
    public void Block(string blockerId, string userId)
    {
        profiles[blockerId] = Profile(blockerId) with { Blocked = [.. Profile(blockerId).BlockList, new BlockedUser(userId, TestClock.Start)] };
        blockers.GetOrAdd(userId, _ => []).Add(blockerId);
    }

    public void HideLastSeen(string userId) =>
        profiles[userId] = ChatHarness.Account(userId) with { LastSeenVisibility = LastSeenVisibility.Nobody };

    /// <summary>Makes every presence read and write fail as a lost Redis does.</summary>
    public void BreakStore()
    {
        var down = ChatErrors.Unavailable("presence store", TimeSpan.FromSeconds(1));
        Store.Setup(s => s.GetLastActiveAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>())).ThrowsAsync(down);
        Store.Setup(s => s.SetLastActiveAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).ThrowsAsync(down);
        Store.Setup(s => s.ReadAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>())).ThrowsAsync(down);
        Store.Setup(s => s.RememberHiddenAsync(It.IsAny<IReadOnlyDictionary<string, HiddenChoice>>(), It.IsAny<CancellationToken>())).ThrowsAsync(down);
        Store.Setup(s => s.SetHiddenAsync(It.IsAny<string>(), It.IsAny<HiddenChoice>(), It.IsAny<CancellationToken>())).ThrowsAsync(down);
    }

    public void VerifyWarned(Times times) =>
        Logger.Verify(
            l => l.Log(LogLevel.Warning, It.IsAny<EventId>(), It.IsAny<It.IsAnyType>(), It.IsAny<Exception?>(), It.IsAny<Func<It.IsAnyType, Exception?, string>>()),
            times);

    public Task RecordAsync(string userId) => Service.RecordActivityAsync(userId, CancellationToken.None);

    /// <summary>What the user's chat list entries say: the members of the listed chats that exist (a stale
    /// entry, see <see cref="AddIndexEntry"/>, carries no members).</summary>
    private IReadOnlySet<string> Contacts(string userId) =>
        (chatIndex.TryGetValue(userId, out var list) ? list : [])
            .Select(chats.GetValueOrDefault)
            .Where(c => c is not null)
            .SelectMany(c => c!.Value.Members.Select(m => m.UserId))
            .Where(id => id != userId && !(blockers.TryGetValue(userId, out var by) && by.Contains(id)))
            .ToHashSet(StringComparer.Ordinal);

    private UserAccount Profile(string userId) => profiles.GetValueOrDefault(userId) ?? ChatHarness.Account(userId);
}
