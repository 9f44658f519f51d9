namespace Chat.IntegrationTests.Stores;

using Chat.Core.Ports;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>The contract of <see cref="IUserStore"/>, run against <see cref="CosmosUserStore"/> on the emulator.</summary>
[Collection(BackendCollection.Name)]
public sealed class UserStoreContractTests(StoreDatabase database) : StoreContract(database), IClassFixture<StoreDatabase>
{
    private IUserStore Store => new CosmosUserStore(Db);

    // ------------------------------------------------------------------ profiles

    [Fact]
    public async Task Get_MissingUser_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync(StoreData.NewId("u_"), Ct));
    }

    [Fact]
    public async Task TryCreate_ThenGet_RoundTripsEveryField()
    {
        var user = StoreData.User();

        Assert.True(await Store.TryCreateAsync(user, Ct));

        var stored = await Store.GetAsync(user.UserId, Ct);
        Assert.NotNull(stored);
        Assert.Equal(user, stored.Value);
        Assert.False(string.IsNullOrEmpty(stored.ETag));
    }

    [Fact]
    public async Task TryCreate_WithoutOptionalFields_ReadsBackNulls()
    {
        var user = StoreData.User() with { About = null, AvatarMediaId = null };

        Assert.True(await Store.TryCreateAsync(user, Ct));

        Assert.Equal(user, (await Store.GetAsync(user.UserId, Ct))!.Value);
    }

    [Fact]
    public async Task TryCreate_SameUserTwice_SecondReturnsFalse_AndFirstIsKept()
    {
        var user = StoreData.User();
        Assert.True(await Store.TryCreateAsync(user, Ct));

        Assert.False(await Store.TryCreateAsync(user with { DisplayName = "impostor" }, Ct));

        Assert.Equal(user, (await Store.GetAsync(user.UserId, Ct))!.Value);
    }

    [Fact]
    public async Task TryReplace_WithCurrentEtag_ReturnsTrue_AndTheEtagChanges()
    {
        var user = StoreData.User();
        await Store.TryCreateAsync(user, Ct);
        var before = (await Store.GetAsync(user.UserId, Ct))!;
        var changed = user with { DisplayName = "Zoë", About = null, PasswordHash = "rehashed" };

        Assert.True(await Store.TryReplaceAsync(changed, before.ETag, Ct));

        var after = (await Store.GetAsync(user.UserId, Ct))!;
        Assert.Equal(changed, after.Value);
        Assert.NotEqual(before.ETag, after.ETag);
    }

    [Fact]
    public async Task TryReplace_WithStaleEtag_ReturnsFalse_AndKeepsTheNewerProfile()
    {
        var user = StoreData.User();
        await Store.TryCreateAsync(user, Ct);
        var stale = (await Store.GetAsync(user.UserId, Ct))!.ETag;
        var first = user with { DisplayName = "first writer" };
        Assert.True(await Store.TryReplaceAsync(first, stale, Ct));

        Assert.False(await Store.TryReplaceAsync(user with { DisplayName = "second writer" }, stale, Ct));

        Assert.Equal(first, (await Store.GetAsync(user.UserId, Ct))!.Value);
    }

    [Fact]
    public async Task Delete_RemovesTheProfile_AndDeletingAgainIsFine()
    {
        var user = StoreData.User();
        await Store.TryCreateAsync(user, Ct);

        await Store.DeleteAsync(user.UserId, Ct);
        await Store.DeleteAsync(user.UserId, Ct);

        Assert.Null(await Store.GetAsync(user.UserId, Ct));
        Assert.True(await Store.TryCreateAsync(user, Ct));
    }

    [Fact]
    public async Task GetMany_ReturnsTheExistingProfiles_AndSkipsMissingOnes()
    {
        var users = new[] { StoreData.User(), StoreData.User(), StoreData.User() };
        foreach (var user in users)
        {
            await Store.TryCreateAsync(user, Ct);
        }

        var found = await Store.GetManyAsync([users[0].UserId, StoreData.NewId("u_"), users[2].UserId, StoreData.NewId("u_")], Ct);

        Assert.Equal([users[0], users[2]], found.OrderBy(u => Array.IndexOf(users, u)));
    }

    [Fact]
    public async Task GetMany_NoIds_ReturnsEmpty()
    {
        Assert.Empty(await Store.GetManyAsync([], Ct));
    }

    [Fact]
    public async Task GetMany_ManyIds_ReturnsThemAll()
    {
        var users = Enumerable.Range(0, 80).Select(_ => StoreData.User()).ToArray();
        await Task.WhenAll(users.Select(u => Store.TryCreateAsync(u, Ct)));

        var found = await Store.GetManyAsync(users.Select(u => u.UserId).ToArray(), Ct);

        Assert.Equal(users.Select(u => u.UserId).Order(), found.Select(u => u.UserId).Order());
    }

    // ------------------------------------------------------------------ chat index

    private static readonly string[] NoMembers = [];

    private async Task<IReadOnlyList<string>> ChatIdsAsync(string userId) =>
        (await Store.ListAllChatsAsync(userId, Ct)).Select(e => e.ChatId).Order(StringComparer.Ordinal).ToArray();

    private async Task<ChatListEntry[]> EntriesAsync(string userId) =>
        (await Store.ListAllChatsAsync(userId, Ct)).OrderBy(e => e.ChatId, StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task AddChat_Twice_ListsTheChatOnce()
    {
        var userId = StoreData.NewId("u_");
        var chatId = StoreData.NewId("g_");

        await Store.AddChatAsync(userId, chatId, StoreData.T0, NoMembers, Ct);
        await Store.AddChatAsync(userId, chatId, StoreData.T0, NoMembers, Ct);

        Assert.Equal([chatId], await ChatIdsAsync(userId));
    }

    [Fact]
    public async Task RemoveChat_RemovesOnlyThatChat_AndRemovingAgainIsFine()
    {
        var userId = StoreData.NewId("u_");
        string kept = StoreData.NewId("g_"), removed = StoreData.NewId("d_");
        await Store.AddChatAsync(userId, kept, StoreData.T0, NoMembers, Ct);
        await Store.AddChatAsync(userId, removed, StoreData.T0, NoMembers, Ct);

        await Store.RemoveChatAsync(userId, removed, Ct);
        await Store.RemoveChatAsync(userId, removed, Ct);
        await Store.RemoveChatAsync(userId, StoreData.NewId("g_"), Ct);

        Assert.Equal([kept], await ChatIdsAsync(userId));
    }

    [Fact]
    public async Task ListChats_ReturnsOnlyThatUsersChats()
    {
        var user = StoreData.User();
        var other = StoreData.NewId("u_");
        string[] chats = [StoreData.NewId("g_"), StoreData.NewId("d_"), StoreData.NewId("g_")];
        await Store.TryCreateAsync(user, Ct);
        await Store.CreateSessionAsync(StoreData.Session(user.UserId), Ct);
        foreach (var chatId in chats)
        {
            await Store.AddChatAsync(user.UserId, chatId, StoreData.T0, NoMembers, Ct);
        }

        await Store.AddChatAsync(other, StoreData.NewId("g_"), StoreData.T0, NoMembers, Ct);
        await Store.AddChatAsync(other, chats[0], StoreData.T0, NoMembers, Ct);

        Assert.Equal(chats.Order(), (await ChatIdsAsync(user.UserId)).Order());
    }

    [Fact]
    public async Task TouchChat_MovesAnEntryForwardOnly_AndNeverBringsARemovedOneBack()
    {
        var userId = StoreData.NewId("u_");
        string moved = StoreData.NewId("g_"), still = StoreData.NewId("g_"), removed = StoreData.NewId("g_");
        await Store.AddChatAsync(userId, moved, StoreData.T0, NoMembers, Ct);
        await Store.AddChatAsync(userId, still, StoreData.T0.AddMinutes(1), NoMembers, Ct);
        await Store.AddChatAsync(userId, removed, StoreData.T0, NoMembers, Ct);
        await Store.RemoveChatAsync(userId, removed, Ct);

        await Store.TouchChatAsync(userId, moved, StoreData.T0.AddMinutes(2), NoMembers, Ct);
        await Store.TouchChatAsync(userId, still, StoreData.T0, NoMembers, Ct); // older than the entry: ignored
        await Store.TouchChatAsync(userId, removed, StoreData.T0.AddMinutes(5), NoMembers, Ct);

        var listed = (await EntriesAsync(userId)).ToDictionary(e => e.ChatId, e => e.ActivityAt);
        Assert.Equal(new Dictionary<string, DateTimeOffset> { [moved] = StoreData.T0.AddMinutes(2), [still] = StoreData.T0.AddMinutes(1) }, listed);
    }

    [Fact]
    public async Task PinnedEntries_KeepTheirActivityOnTouches_ButTakeTheNewMembers_ArchivedOnesMoveOn()
    {
        var me = StoreData.NewId("u_");
        string mate = StoreData.NewId("u_"), newcomer = StoreData.NewId("u_");
        string old = StoreData.NewId("g_"), recent = StoreData.NewId("g_"), shelved = StoreData.NewId("g_");
        await Store.AddChatAsync(me, old, StoreData.T0, [me, mate], Ct);
        await Store.AddChatAsync(me, recent, StoreData.T0.AddMinutes(1), [me], Ct);
        await Store.AddChatAsync(me, shelved, StoreData.T0.AddMinutes(2), [me], Ct);

        await Store.SetPlacementAsync(me, old, pinned: true, archived: false, StoreData.T0, Ct);
        await Store.SetPlacementAsync(me, shelved, pinned: false, archived: true, StoreData.T0.AddMinutes(2), Ct);
        await Store.TouchChatAsync(me, old, StoreData.T0.AddMinutes(5), [me, newcomer], Ct);
        await Store.TouchChatAsync(me, shelved, StoreData.T0.AddMinutes(6), [me], Ct);

        var listed = (await EntriesAsync(me)).ToDictionary(e => e.ChatId);
        Assert.Equal(new ChatListEntry(old, StoreData.T0, Pinned: true), listed[old]); // the activity it was pinned with
        Assert.Equal(new ChatListEntry(recent, StoreData.T0.AddMinutes(1)), listed[recent]);
        Assert.Equal(new ChatListEntry(shelved, StoreData.T0.AddMinutes(6), Archived: true), listed[shelved]); // still archived, moved on
        Assert.Equal([newcomer], await Store.ListContactsAsync(me, Ct));
        Assert.Equal(1, await Store.CountPinnedAsync(me, Ct));
    }

    [Fact]
    public async Task ListContacts_LeaveOutWhoeverBlockedTheUser_WhateverChatsTheyShare_UntilUnmarked()
    {
        var me = StoreData.NewId("u_");
        string blocker = StoreData.NewId("u_"), friend = StoreData.NewId("u_");
        await Store.AddChatAsync(me, "d_" + Guid.NewGuid().ToString("N"), StoreData.T0, [me, blocker], Ct);
        await Store.AddChatAsync(me, StoreData.NewId("g_"), StoreData.T0, [me, blocker, friend], Ct);

        await Store.SetBlockedByAsync(me, blocker, blocked: true, Ct);
        await Store.SetBlockedByAsync(me, blocker, blocked: true, Ct);

        Assert.Equal([friend], await Store.ListContactsAsync(me, Ct));
        Assert.Equal(2, (await Store.ListAllChatsAsync(me, Ct)).Count); // a marker is no chat
        await Store.SetBlockedByAsync(me, blocker, blocked: false, Ct);
        await Store.SetBlockedByAsync(me, blocker, blocked: false, Ct);
        Assert.Equal(new[] { blocker, friend }.Order(), (await Store.ListContactsAsync(me, Ct)).Order());
    }

    [Fact]
    public async Task ListContacts_AreTheMembersOnTheUsersEntries_AndFollowTouches()
    {
        var me = StoreData.NewId("u_");
        string partner = StoreData.NewId("u_"), mate = StoreData.NewId("u_"), newcomer = StoreData.NewId("u_");
        var group = StoreData.NewId("g_");
        await Store.AddChatAsync(me, "d_" + Guid.NewGuid().ToString("N"), StoreData.T0, [me, partner], Ct);
        await Store.AddChatAsync(me, group, StoreData.T0, [me, mate], Ct);
        await Store.AddChatAsync(StoreData.NewId("u_"), StoreData.NewId("g_"), StoreData.T0, [StoreData.NewId("u_")], Ct);

        Assert.Equal(new[] { mate, partner }.Order(), (await Store.ListContactsAsync(me, Ct)).Order());

        // Same activity, other members: the entry takes them (a membership change's refresh).
        await Store.TouchChatAsync(me, group, StoreData.T0, [me, newcomer], Ct);

        Assert.Equal(new[] { newcomer, partner }.Order(), (await Store.ListContactsAsync(me, Ct)).Order());
        Assert.Equal(StoreData.T0, (await Store.ListAllChatsAsync(me, Ct)).Single(e => e.ChatId == group).ActivityAt);

        // A later change (newer activity) wins; an older snapshot of the members, arriving last, does not.
        await Store.TouchChatAsync(me, group, StoreData.T0.AddSeconds(5), [me], Ct);
        await Store.TouchChatAsync(me, group, StoreData.T0.AddSeconds(1), [me, mate, newcomer], Ct);

        Assert.Equal([partner], (await Store.ListContactsAsync(me, Ct)).Order());
    }

    [Fact]
    public async Task ListChats_UserWithoutChats_ReturnsEmpty()
    {
        var user = StoreData.User();
        await Store.TryCreateAsync(user, Ct);

        Assert.Empty(await ChatIdsAsync(user.UserId));
    }

    // ------------------------------------------------------------------ sessions

    [Fact]
    public async Task CreateSession_ThenGet_RoundTrips()
    {
        var session = StoreData.Session(StoreData.NewId("u_")) with { Generation = 3, RotatedAt = StoreData.T0.AddDays(1) };

        await Store.CreateSessionAsync(session, Ct);

        var stored = await Store.GetSessionAsync(session.UserId, session.SessionId, Ct);
        Assert.NotNull(stored);
        Assert.Equal(session, stored.Value);
        Assert.False(string.IsNullOrEmpty(stored.ETag));
    }

    [Fact]
    public async Task GetSession_MissingOrAnotherUsers_ReturnsNull()
    {
        var session = StoreData.Session(StoreData.NewId("u_"));
        await Store.CreateSessionAsync(session, Ct);

        Assert.Null(await Store.GetSessionAsync(session.UserId, StoreData.NewId("s_"), Ct));
        Assert.Null(await Store.GetSessionAsync(StoreData.NewId("u_"), session.SessionId, Ct));
    }

    [Fact]
    public async Task TryReplaceSession_WithCurrentEtag_ReturnsTrue_AndTheEtagChanges()
    {
        var session = StoreData.Session(StoreData.NewId("u_"));
        await Store.CreateSessionAsync(session, Ct);
        var before = (await Store.GetSessionAsync(session.UserId, session.SessionId, Ct))!;
        var rotated = session with { Generation = 2, RotatedAt = StoreData.T0.AddMinutes(10) };

        Assert.True(await Store.TryReplaceSessionAsync(rotated, before.ETag, Ct));

        var after = (await Store.GetSessionAsync(session.UserId, session.SessionId, Ct))!;
        Assert.Equal(rotated, after.Value);
        Assert.NotEqual(before.ETag, after.ETag);
    }

    [Fact]
    public async Task TryReplaceSession_WithStaleEtag_ReturnsFalse_AndKeepsTheNewerSession()
    {
        var session = StoreData.Session(StoreData.NewId("u_"));
        await Store.CreateSessionAsync(session, Ct);
        var stale = (await Store.GetSessionAsync(session.UserId, session.SessionId, Ct))!.ETag;
        var rotated = session with { Generation = 2 };
        Assert.True(await Store.TryReplaceSessionAsync(rotated, stale, Ct));

        Assert.False(await Store.TryReplaceSessionAsync(session with { Revoked = true }, stale, Ct));

        Assert.Equal(rotated, (await Store.GetSessionAsync(session.UserId, session.SessionId, Ct))!.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("..")]
    [InlineData("ünïcødé")]
    [InlineData("x012345678901234567890123456789012345678901234567890123456789abcd")]
    public async Task GetSession_MalformedSessionOrUserId_ReturnsNull(string malformed)
    {
        var session = StoreData.Session(StoreData.NewId("u_"));
        await Store.CreateSessionAsync(session, Ct);

        Assert.Null(await Store.GetSessionAsync(session.UserId, malformed, Ct));
        Assert.Null(await Store.GetSessionAsync(malformed, session.SessionId, Ct));
    }

    [Fact]
    public async Task Sessions_AreNeitherChatsNorProfiles()
    {
        var userId = StoreData.NewId("u_");

        await Store.CreateSessionAsync(StoreData.Session(userId), Ct);

        Assert.Empty(await ChatIdsAsync(userId));
        Assert.Null(await Store.GetAsync(userId, Ct));
    }
}
