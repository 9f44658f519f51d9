namespace Chat.UnitTests.Services;

using Chat.Core.Chats;
using Chat.Core.Ports;
using Chat.Core.Errors;
using Chat.UnitTests.TestData;
using Moq;

public sealed class ChatServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ChatHarness h = new();

    private ChatService Service => h.ChatService;

    [Fact]
    public async Task CreateGroup_CreatorIsAdmin_OthersAreMembers()
    {
        var view = await Service.CreateGroupAsync("alice", new CreateGroupRequest(" Friends ", ["bob", "carol"]), None);

        Assert.Equal(ChatTypes.Group, view.Type);
        Assert.Equal("Friends", view.Name);
        Assert.Equal(
            [("alice", Roles.Admin), ("bob", Roles.Member), ("carol", Roles.Member)],
            view.Members.Select(m => (m.UserId, m.Role)));
        Assert.True(h.Exists(view.ChatId));
        foreach (var id in new[] { "alice", "bob", "carol" })
        {
            h.Users.Verify(u => u.AddChatAsync(id, view.ChatId, It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Once);
        }
    }

    [Fact]
    public async Task CreateGroup_PastTheHourlyCap_Is429_AndCreatesNothing()
    {
        h.Limits.GroupCreationsPerHour = 2;
        await Service.CreateGroupAsync("alice", new CreateGroupRequest("One", ["victim"]), None);
        await Service.CreateGroupAsync("alice", new CreateGroupRequest("Two", ["victim"]), None);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateGroupAsync("alice", new CreateGroupRequest("Three", ["victim"]), None));

        Assert.Equal(ErrorKind.RateLimited, error.Kind);
        Assert.NotNull(error.RetryAfter);
        h.Chats.Verify(c => c.TryCreateAsync(It.IsAny<ChatRecord>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
        await Service.CreateGroupAsync("bob", new CreateGroupRequest("Bob's own", ["victim"]), None);
        h.Time.Advance(TimeSpan.FromHours(1));
        await Service.CreateGroupAsync("alice", new CreateGroupRequest("Later", ["victim"]), None);
    }

    [Fact]
    public async Task CreateGroup_DuplicateIdsAndTheCreator_AreDeduped()
    {
        var view = await Service.CreateGroupAsync("alice", new CreateGroupRequest("G", ["bob", "bob", "alice", "carol", "carol"]), None);

        Assert.Equal(["alice", "bob", "carol"], view.Members.Select(m => m.UserId));
        Assert.Single(view.Members, m => m.Role == Roles.Admin);
    }

    [Fact]
    public async Task CreateGroup_100MembersWithTheCreator_IsAllowed()
    {
        var others = Enumerable.Range(1, 99).Select(i => "u" + i).ToArray();

        var view = await Service.CreateGroupAsync("alice", new CreateGroupRequest("G", others), None);

        Assert.Equal(100, view.Members.Count);
    }

    [Fact]
    public async Task CreateGroup_PastTheCapCountingTheCreator_Is422()
    {
        var others = Enumerable.Range(1, 100).Select(i => "u" + i).Append("u1").ToArray();

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateGroupAsync("alice", new CreateGroupRequest("G", others), None));

        Assert.Equal(422, error.Status);
        h.Chats.Verify(c => c.TryCreateAsync(It.IsAny<ChatRecord>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task CreateGroup_UnknownMember_Is404()
    {
        h.MissingUsers.Add("ghost");

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateGroupAsync("alice", new CreateGroupRequest("G", ["bob", "ghost"]), None));

        Assert.Equal(404, error.Status);
        h.Chats.Verify(c => c.TryCreateAsync(It.IsAny<ChatRecord>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("", "name")]
    [InlineData(null, "name")]
    public async Task CreateGroup_BadName_Is400(string? name, string field)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateGroupAsync("alice", new CreateGroupRequest(name, ["bob"]), None));

        Assert.True(error.Errors!.ContainsKey(field));
    }

    [Fact]
    public async Task CreateGroup_MalformedMemberId_Is400()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateGroupAsync("alice", new CreateGroupRequest("G", ["bob/../x"]), None));

        Assert.True(error.Errors!.ContainsKey("memberIds"));
    }

    [Fact]
    public async Task AddMembers_ByANonAdmin_Is403()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.AddMembersAsync("bob", chat.ChatId, new AddMembersRequest(["carol"]), None));

        Assert.Equal(403, error.Status);
        Assert.Equal(2, h.Stored(chat.ChatId).Members.Count);
    }

    [Fact]
    public async Task AddMembers_The101stMember_Is422()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMembersUpTo(100).Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.AddMembersAsync("alice", chat.ChatId, new AddMembersRequest(["newcomer"]), None));

        Assert.Equal(422, error.Status);
        Assert.Equal(100, h.Stored(chat.ChatId).Members.Count);
        h.Users.Verify(u => u.AddChatAsync("newcomer", It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task AddMembers_NewMemberSeesFromTheCurrentLastSeq()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithLastSeq(7).Build());

        var view = await Service.AddMembersAsync("alice", chat.ChatId, new AddMembersRequest(["carol", "bob"]), None);

        Assert.Equal(3, view.Members.Count);
        var carol = h.Stored(chat.ChatId).Member("carol")!;
        Assert.Equal(Roles.Member, carol.Role);
        Assert.Equal(7, carol.JoinedAfterSeq);
        h.Users.Verify(u => u.AddChatAsync("carol", chat.ChatId, It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task RemoveMember_NonAdminRemovingSomeoneElse_Is403()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.RemoveMemberAsync("bob", chat.ChatId, "carol", None));

        Assert.Equal(403, error.Status);
        Assert.NotNull(h.Stored(chat.ChatId).Member("carol"));
    }

    [Fact]
    public async Task RemoveMember_DeletesTheListEntryBeforeTheMembership_SoItNeverOutlivesIt()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());
        var order = new List<string>();
        h.Users.Setup(u => u.RemoveChatAsync("bob", chat.ChatId, It.IsAny<CancellationToken>()))
            .Callback(() => order.Add("entry deleted")).Returns(Task.CompletedTask);
        h.Chats.Setup(c => c.TryReplaceAsync(It.IsAny<ChatRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback(() => order.Add("membership written")).ThrowsAsync(ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5)));

        await Assert.ThrowsAsync<ChatException>(() => Service.RemoveMemberAsync("alice", chat.ChatId, "bob", None));

        Assert.Equal(["entry deleted", "membership written"], order);
        Assert.NotNull(h.Stored(chat.ChatId).Member("bob")); // nothing changed: a retry removes bob
        h.Users.Verify(u => u.AddChatAsync("bob", chat.ChatId, It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Once); // and his entry is back
    }

    [Fact]
    public async Task MembershipChanges_AreActivity_TheChatMovesUp_AndTheListsAreRefreshed()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());
        h.Time.Advance(TimeSpan.FromMinutes(5));

        await Service.AddMembersAsync("alice", chat.ChatId, new AddMembersRequest(["carol"]), None);
        var added = h.Stored(chat.ChatId).LastActivityAt;
        h.Time.Advance(TimeSpan.FromMinutes(5));
        await Service.RemoveMemberAsync("alice", chat.ChatId, "bob", None);

        Assert.Equal(TestClock.Start.AddMinutes(5), added);
        Assert.Equal(TestClock.Start.AddMinutes(10), h.Stored(chat.ChatId).LastActivityAt);
        h.ChatListJobs.Verify(j => j.EnqueueAsync(chat.ChatId, ChatListFeed.Delay, It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task RemoveMember_ByAdmin_KeepsThePastMembership()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob", joinedAfterSeq: 2).WithLastSeq(9).Build());

        await Service.RemoveMemberAsync("alice", chat.ChatId, "bob", None);

        var stored = h.Stored(chat.ChatId);
        Assert.Null(stored.Member("bob"));
        Assert.Equal(new PastMember("bob", 2, 9), Assert.Single(stored.PastMembers));
        h.Users.Verify(u => u.RemoveChatAsync("bob", chat.ChatId, It.IsAny<CancellationToken>()), Times.Exactly(2)); // before and after the change
    }

    [Fact]
    public async Task Leave_LastAdmin_PromotesTheLongestStandingMember()
    {
        var chat = h.Store(ChatBuilder.Group()
            .WithAdmin("alice")
            .WithMember("bob", joinedAt: TestClock.Start.AddHours(2))
            .WithMember("carol", joinedAt: TestClock.Start.AddHours(1))
            .WithMember("dave", joinedAt: TestClock.Start.AddHours(3))
            .Build());

        await Service.LeaveAsync("alice", chat.ChatId, None);

        var stored = h.Stored(chat.ChatId);
        Assert.Null(stored.Member("alice"));
        Assert.Equal(["carol"], stored.Members.Where(m => m.Role == Roles.Admin).Select(m => m.UserId));
    }

    [Fact]
    public async Task Leave_AdminWithAnotherAdmin_PromotesNobody()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithAdmin("carol", joinedAt: TestClock.Start.AddHours(1)).Build());

        await Service.LeaveAsync("alice", chat.ChatId, None);

        Assert.Equal(["carol"], h.Stored(chat.ChatId).Members.Where(m => m.Role == Roles.Admin).Select(m => m.UserId));
    }

    [Fact]
    public async Task Get_ChatTheCallerIsNotIn_Is404()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.LoadVisibleAsync("mallory", chat.ChatId, None));

        Assert.Equal(404, error.Status);
    }

    [Theory]
    [InlineData("g_missing")]
    [InlineData("bad/id")]
    public async Task Get_UnknownOrMalformedChat_Is404(string chatId)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.GetAsync("alice", chatId, None));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task GroupRoutes_OnADirectChat_Are404()
    {
        var chat = h.Store(ChatBuilder.Direct("alice", "bob").Build());

        var errors = new[]
        {
            await Assert.ThrowsAsync<ChatException>(() => Service.UpdateGroupAsync("alice", chat.ChatId, new UpdateGroupRequest("x", null), None)),
            await Assert.ThrowsAsync<ChatException>(() => Service.AddMembersAsync("alice", chat.ChatId, new AddMembersRequest(["carol"]), None)),
            await Assert.ThrowsAsync<ChatException>(() => Service.RemoveMemberAsync("alice", chat.ChatId, "bob", None)),
            await Assert.ThrowsAsync<ChatException>(() => Service.LeaveAsync("alice", chat.ChatId, None)),
            await Assert.ThrowsAsync<ChatException>(() => Service.PromoteAdminAsync("alice", chat.ChatId, "bob", None)),
            await Assert.ThrowsAsync<ChatException>(() => Service.CreateInviteAsync("alice", chat.ChatId, None)),
        };

        Assert.All(errors, e => Assert.Equal(404, e.Status));
        Assert.Equal(2, h.Stored(chat.ChatId).Members.Count);
    }

    [Fact]
    public async Task UpdateGroup_ByANonAdmin_Is403()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.UpdateGroupAsync("bob", chat.ChatId, new UpdateGroupRequest("x", null), None));

        Assert.Equal(403, error.Status);
    }

    [Fact]
    public async Task PromoteAdmin_ByAdmin_MakesTheMemberAdmin()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());

        var view = await Service.PromoteAdminAsync("alice", chat.ChatId, "bob", None);

        Assert.All(view.Members, m => Assert.Equal(Roles.Admin, m.Role));
    }

    [Fact]
    public async Task CreateInvite_NewCode_ReplacesAndDeletesTheOldOne()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithInviteCode("oldcode").Build());

        var invite = await Service.CreateInviteAsync("alice", chat.ChatId, None);

        Assert.NotEqual("oldcode", invite.InviteCode);
        Assert.Equal(invite.InviteCode, h.Stored(chat.ChatId).InviteCode);
        h.Directory.Verify(d => d.SetInviteAsync(invite.InviteCode, chat.ChatId, It.IsAny<CancellationToken>()), Times.Once);
        h.Directory.Verify(d => d.DeleteInviteAsync("oldcode", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task CreateInvite_ByANonAdmin_Is403_AndStoresNoCode()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateInviteAsync("bob", chat.ChatId, None));

        Assert.Equal(403, error.Status);
        h.Directory.Verify(d => d.SetInviteAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Join_UnknownCode_Is404()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.JoinAsync("carol", new JoinGroupRequest("nosuchcode"), None));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task Join_RevokedCode_Is404()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithInviteCode("newcode").Build());
        h.Directory.Setup(d => d.FindInviteAsync("oldcode", It.IsAny<CancellationToken>())).ReturnsAsync(chat.ChatId);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.JoinAsync("carol", new JoinGroupRequest("oldcode"), None));

        Assert.Equal(404, error.Status);
        Assert.Null(h.Stored(chat.ChatId).Member("carol"));
    }

    [Fact]
    public async Task Join_CurrentCode_AddsTheCallerFromTheLastSeq()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithInviteCode("code1").WithLastSeq(4).Build());
        h.Directory.Setup(d => d.FindInviteAsync("code1", It.IsAny<CancellationToken>())).ReturnsAsync(chat.ChatId);

        var view = await Service.JoinAsync("carol", new JoinGroupRequest("code1"), None);

        Assert.Contains(view.Members, m => m.UserId == "carol" && m.Role == Roles.Member);
        Assert.Equal(4, h.Stored(chat.ChatId).Member("carol")!.JoinedAfterSeq);
        Assert.Equal(0, view.UnreadCount);
        h.Users.Verify(u => u.AddChatAsync("carol", chat.ChatId, It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task OpenDirect_WithSelf_Is400()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenDirectAsync("alice", new OpenDirectRequest("alice"), None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("userId"));
    }

    [Fact]
    public async Task OpenDirect_UnknownUser_Is404()
    {
        h.MissingUsers.Add("ghost");

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenDirectAsync("alice", new OpenDirectRequest("ghost"), None));

        Assert.Equal(404, error.Status);
        h.Chats.Verify(c => c.TryCreateAsync(It.IsAny<ChatRecord>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task OpenDirect_FromEitherSide_MakesOneChat()
    {
        var (first, created) = await Service.OpenDirectAsync("alice", new OpenDirectRequest("bob"), None);
        var (second, createdAgain) = await Service.OpenDirectAsync("bob", new OpenDirectRequest("alice"), None);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first.ChatId, second.ChatId);
        Assert.Equal(ChatTypes.Direct, second.Type);
        Assert.All(second.Members, m => Assert.Equal(Roles.Member, m.Role));
    }

    [Fact]
    public async Task List_PagesInTheListsOrder_ShowsEachChatAsItsHeadIs_AndSkipsChatsTheCallerLeft()
    {
        h.Store(ChatBuilder.Group("g_old").WithMember("alice").WithLastSeq(4).Build());
        h.Store(ChatBuilder.Group("g_new").WithMember("alice").Build());
        h.Store(ChatBuilder.Group("g_mid").WithMember("alice").Build());
        h.Store(ChatBuilder.Group("g_left").WithMember("bob").Build());
        var list = new[] { "g_new", "g_left", "g_mid", "g_gone", "g_old" }
            .Select((id, i) => new ChatListEntry(id, TestClock.Start.AddMinutes(-i))).ToArray();
        h.ChatListOrder.Setup(o => o.ListAsync("alice", false, It.IsAny<ChatListCursor?>(), It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string _, bool _, ChatListCursor? after, int take, CancellationToken _) => new ChatListSlice(
                list.SkipWhile(e => after is not null && e.ChatId != after.Last.ChatId).Skip(after is null ? 0 : 1).Take(take).ToArray(), "snap1"));

        var first = await Service.ListAsync("alice", 3, null, archived: false, None);
        var second = await Service.ListAsync("alice", 3, first.NextCursor, archived: false, None);

        Assert.Equal(["g_new", "g_mid"], first.Chats.Select(c => c.ChatId));
        Assert.NotNull(first.NextCursor);
        Assert.Equal(["g_old"], second.Chats.Select(c => c.ChatId));
        h.ChatListOrder.Verify(o => o.ListAsync("alice", false, It.Is<ChatListCursor?>(c => c != null && c.Snapshot == "snap1" && c.Last.ChatId == "g_mid"), 4, It.IsAny<CancellationToken>()), Times.Once); // the next page reads the first one's snapshot
        Assert.Equal(4, second.Chats[0].LastSeq);
        Assert.Equal(4, second.Chats[0].UnreadCount);
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task List_OfAnOrderNotLoaded_LoadsItFromTheEntriesAndHeads_ThenPages_SkippingChatsTheCallerLeft()
    {
        h.Store(ChatBuilder.Group("g_quiet").WithMember("alice").Build() with { LastActivityAt = TestClock.Start.AddMinutes(3) });
        h.Store(ChatBuilder.Group("g_left").WithMember("bob").Build());
        var entries = new[]
        {
            new ChatListEntry("g_quiet", TestClock.Start, Pinned: true),
            new ChatListEntry("g_left", TestClock.Start),
            new ChatListEntry("g_being_made", TestClock.Start.AddMinutes(1)),
        };
        h.Users.Setup(u => u.ListAllChatsAsync("alice", It.IsAny<CancellationToken>())).ReturnsAsync(entries);
        IReadOnlyCollection<ChatListEntry>? loaded = null;
        h.ChatListOrder.Setup(o => o.LoadAsync("alice", It.IsAny<IReadOnlyCollection<ChatListEntry>>(), It.IsAny<CancellationToken>()))
            .Callback((string _, IReadOnlyCollection<ChatListEntry> e, CancellationToken _) => loaded = e)
            .Returns(Task.CompletedTask);
        h.ChatListOrder.SetupSequence(o => o.ListAsync("alice", false, null, 101, It.IsAny<CancellationToken>()))
            .ReturnsAsync((ChatListSlice?)null)
            .ReturnsAsync(new ChatListSlice([new ChatListEntry("g_quiet", TestClock.Start.AddMinutes(3), Pinned: true)], null));

        var page = await Service.ListAsync("alice", null, null, archived: false, None);

        // each head's activity with the entry's placement; a chat not made yet keeps its entry's
        Assert.Equal([new ChatListEntry("g_quiet", TestClock.Start.AddMinutes(3), Pinned: true), entries[1] with { ActivityAt = h.Stored("g_left").LastActivityAt }, entries[2]], loaded);
        var chat = Assert.Single(page.Chats);
        Assert.True(chat.Settings?.Pinned);
    }

    [Fact]
    public async Task List_OfAnOrderThatWillNotLoad_Is503()
    {
        h.Users.Setup(u => u.ListAllChatsAsync("alice", It.IsAny<CancellationToken>())).ReturnsAsync([]);
        h.ChatListOrder.Setup(o => o.ListAsync("alice", false, null, It.IsAny<int>(), It.IsAny<CancellationToken>())).ReturnsAsync((ChatListSlice?)null);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ListAsync("alice", null, null, archived: false, None));

        Assert.Equal(ErrorKind.Unavailable, error.Kind);
    }

    [Fact]
    public async Task AddingMembers_ListsTheChatInTheirOrders_AndAFailedOrderWriteIsHealedByTheQueuedRefresh()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").Build());
        h.ChatListOrder.Setup(o => o.AddAsync(chat.ChatId, It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("chat list store", TimeSpan.FromSeconds(1)));

        await Service.AddMembersAsync("alice", chat.ChatId, new AddMembersRequest(["bob", "carol"]), None);

        h.ChatListOrder.Verify(o => o.AddAsync(chat.ChatId, It.IsAny<DateTimeOffset>(), It.Is<IReadOnlyCollection<string>>(ids => ids.Order().SequenceEqual(new[] { "bob", "carol" })), It.IsAny<CancellationToken>()), Times.Once);
        h.ChatListJobs.Verify(j => j.EnqueueAsync(chat.ChatId, ChatListFeed.Delay, It.IsAny<CancellationToken>()), Times.AtLeastOnce);
        Assert.NotNull(h.Stored(chat.ChatId).Member("carol"));
    }

    [Fact]
    public async Task CreatingAGroup_WhoseOrderWriteFails_QueuesTheListRefresh_WhichNothingElseWouldQueue()
    {
        h.ChatListOrder.Setup(o => o.AddAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("chat list store", TimeSpan.FromSeconds(1)));

        var view = await Service.CreateGroupAsync("alice", new CreateGroupRequest("Friends", ["bob"]), None);

        h.ChatListJobs.Verify(j => j.EnqueueAsync(view.ChatId, ChatListFeed.Delay, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Leaving_TakesTheChatOutOfTheOrder()
    {
        var chat = h.Store(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").Build());

        await Service.LeaveAsync("bob", chat.ChatId, None);

        h.ChatListOrder.Verify(o => o.RemoveAsync("bob", chat.ChatId, It.IsAny<CancellationToken>()), Times.AtLeastOnce);
    }

    [Fact]
    public async Task RefreshLists_MovesEveryMembersEntryToTheChatsLastActivity()
    {
        var chat = h.Store(ChatBuilder.Group("g_busy").WithAdmin("alice").WithMember("bob").WithMember("carol").Build() with { LastActivityAt = TestClock.Start.AddMinutes(9) });

        await Service.RefreshListsAsync(chat.ChatId, None);

        foreach (var member in new[] { "alice", "bob", "carol" })
        {
            h.Users.Verify(
                u => u.TouchChatAsync(member, chat.ChatId, TestClock.Start.AddMinutes(9), It.Is<IReadOnlyCollection<string>>(ids => ids.Order().SequenceEqual(new[] { "alice", "bob", "carol" })), It.IsAny<CancellationToken>()),
                Times.Once);
        }

        h.ChatListOrder.Verify(o => o.TouchAsync(chat.ChatId, TestClock.Start.AddMinutes(9), It.Is<IReadOnlyCollection<string>>(ids => ids.Count == 3), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task RefreshLists_OfAChatThatIsGone_TouchesNothing()
    {
        await Service.RefreshListsAsync("g_gone", None);

        h.Users.Verify(u => u.TouchChatAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(201)]
    public async Task List_LimitOutOfRange_Is400(int limit)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ListAsync("alice", limit, null, archived: false, None));

        Assert.True(error.Errors!.ContainsKey("limit"));
    }
}
