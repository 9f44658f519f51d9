namespace Chat.UnitTests.Services;

using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Presence;
using Chat.Core.Realtime;
using Chat.UnitTests.TestData;
using Moq;

public sealed class PresenceServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly PresenceHarness h = new();

    private PresenceService Service => h.Service;

    [Fact]
    public async Task RecordActivity_First_WritesTheTime()
    {
        await h.RecordAsync("alice");

        Assert.Equal(TestClock.Start, h.LastActive["alice"]);
    }

    [Fact]
    public async Task RecordActivity_AgainWithinTheCoalesceWindow_TouchesTheStoreOnce()
    {
        await h.RecordAsync("alice");
        h.Time.Advance(PresenceService.CoalesceWindow - TimeSpan.FromMilliseconds(1));

        await h.RecordAsync("alice");

        h.Store.Verify(s => s.SetLastActiveAsync("alice", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        h.Store.Verify(s => s.GetLastActiveAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Equal(TestClock.Start, h.LastActive["alice"]);
    }

    [Fact]
    public async Task RecordActivity_AfterTheCoalesceWindow_WritesAgain_WithoutARead()
    {
        await h.RecordAsync("alice");
        h.Time.Advance(PresenceService.CoalesceWindow);

        await h.RecordAsync("alice");

        h.Store.Verify(s => s.SetLastActiveAsync("alice", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
        h.Store.Verify(s => s.GetLastActiveAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Equal(TestClock.Start + PresenceService.CoalesceWindow, h.LastActive["alice"]);
    }

    [Fact]
    public async Task RecordActivity_EveryHeartbeat_Writes_SoOnlineEndsAtMostTheWindowEarly()
    {
        // A heartbeat every 30 s is past the coalesce window: every one is written.
        for (var i = 0; i < 4; i++)
        {
            await h.RecordAsync("alice");
            h.Time.Advance(TimeSpan.FromSeconds(30));
        }

        h.Store.Verify(s => s.SetLastActiveAsync("alice", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Exactly(4));
        Assert.Equal(TestClock.Start.AddSeconds(90), h.LastActive["alice"]);
    }

    [Fact]
    public async Task RecordActivity_AnotherInstanceWroteJustNow_WritesAndTellsNobody()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.LastActive["alice"] = TestClock.Start.AddSeconds(-5);

        await h.RecordAsync("alice");

        Assert.Equal(TestClock.Start, h.LastActive["alice"]);
        h.Realtime.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task RecordActivity_StoreUnavailable_Throws_AndTheNextCallWithinTheWindowSkipsIt()
    {
        h.BreakStore();

        var error = await Assert.ThrowsAsync<ChatException>(() => h.RecordAsync("alice"));
        await h.RecordAsync("alice");

        Assert.Equal(ErrorKind.Unavailable, error.Kind);
        h.Store.Verify(s => s.SetLastActiveAsync("alice", It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        h.Realtime.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Get_StoreUnavailable_ShowsOfflineWithoutLastSeen_AndWarns()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.LastActive["bob"] = TestClock.Start;
        h.BreakStore();

        var views = await Service.GetAsync("alice", ["bob"], None);

        Assert.Equal(new PresenceView("bob", false, null), Assert.Single(views));
        h.VerifyWarned(Times.Once());
    }

    [Fact]
    public async Task Describe_StoreUnavailable_ShowsOfflineWithoutLastSeen()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.BreakStore();

        var partner = await Service.DescribeAsync("alice", ChatHarness.Account("bob"), withPhone: false, None);
        var self = await Service.DescribeAsync("alice", ChatHarness.Account("alice"), withPhone: true, None);

        Assert.Equal((false, (DateTimeOffset?)null), (partner.Online, partner.LastSeen));
        Assert.Equal((false, (DateTimeOffset?)null), (self.Online, self.LastSeen));
        h.VerifyWarned(Times.Exactly(2));
    }

    [Fact]
    public async Task RecordActivity_BackAfter60s_AnnouncesOnce_InOneSendToTheirPresenceGroup_WithoutAQuery()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.AddChat(ChatBuilder.Direct("alice", "carol").Build());
        h.LastActive["alice"] = TestClock.Start.AddSeconds(-60);

        await h.RecordAsync("alice");

        h.Realtime.Verify(
            r => r.SendToGroupAsync(PresenceGroups.Of("alice"), ClientMethods.Presence, new PresenceEvent("alice", true, TestClock.Start), It.IsAny<CancellationToken>()),
            Times.Once);
        h.Realtime.VerifyNoOtherCalls();
        h.Users.Verify(u => u.ListContactsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task RecordActivity_OfAUserWhoBlockedSomeone_SkipsTheBlockedUsersConnections_WhateverTheGroupSays()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.Block("alice", "bob");
        h.ConnectionsOfUser["bob"] = ["bob-phone", "bob-laptop"];

        await h.RecordAsync("alice");

        h.Realtime.Verify(
            r => r.SendToGroupExceptAsync(
                PresenceGroups.Of("alice"), new[] { "bob-phone", "bob-laptop" }, ClientMethods.Presence, new PresenceEvent("alice", true, TestClock.Start), It.IsAny<CancellationToken>()),
            Times.Once);
        h.Realtime.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task RecordActivity_OfAUserWhoBlockedMoreThanOneSendCanSkip_LooksUpOnlyTheNewestBlocks()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        var blocked = Enumerable.Range(0, UserConnectionLimits.MaxExcluded + 6).Select(i => $"user{i}").ToArray();
        foreach (var userId in blocked)
        {
            h.Block("alice", userId);
        }

        await h.RecordAsync("alice");

        h.Connections.Verify(c => c.OfAsync(It.Is<IReadOnlyCollection<string>>(ids => ids.SequenceEqual(blocked.Skip(6))), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task RecordActivity_OfAUserWhoBlockedSomeone_WithTheConnectionsUnknown_SendsToTheGroup()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.Block("alice", "bob");
        h.Connections.Setup(c => c.OfAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("connections", TimeSpan.FromSeconds(1)));

        await h.RecordAsync("alice");

        VerifyAnnouncedToTheGroupOnly("alice");
    }

    [Fact]
    public async Task RecordActivity_FirstEver_Announces()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());

        await h.RecordAsync("alice");

        h.Realtime.Verify(
            r => r.SendToGroupAsync(PresenceGroups.Of("alice"), ClientMethods.Presence, It.IsAny<object>(), It.IsAny<CancellationToken>()),
            Times.Once);
    }

    [Fact]
    public async Task RecordActivity_BackAfterLessThan60s_TellsNobody()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.LastActive["alice"] = TestClock.Start.AddSeconds(-59);

        await h.RecordAsync("alice");

        Assert.Equal(TestClock.Start, h.LastActive["alice"]);
        h.Realtime.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task RecordActivity_WhileActive_TellsPartnersOnlyOnComingBack()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());

        for (var i = 0; i < 10; i++)
        {
            await h.RecordAsync("alice");
            h.Time.Advance(TimeSpan.FromSeconds(25));
        }

        VerifyAnnouncedToTheGroupOnly("alice");
    }

    [Fact]
    public async Task RecordActivity_WhileActive_WithTheChoiceLostFromTheCache_CachesItAgain_WithoutAnnouncing()
    {
        h.AddChat(ChatBuilder.Direct("alice", "carol").Build());
        h.HideLastSeen("carol");
        h.LastActive["carol"] = TestClock.Start.AddSeconds(-10);

        await h.RecordAsync("carol");

        Assert.True(h.HiddenCache["carol"]);
        h.Users.Verify(u => u.GetManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Once);
        h.Realtime.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task RecordActivity_ComingBack_RewritesAWrongCachedChoice_FromTheProfile()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.HideLastSeen("alice");
        h.HiddenCache["alice"] = false; // e.g. a hide whose cache write a failover lost
        h.LastActive["alice"] = TestClock.Start.AddMinutes(-5);

        await h.RecordAsync("alice");
        var seen = await h.Service.GetAsync("bob", ["alice"], CancellationToken.None);

        Assert.True(h.HiddenCache["alice"]);
        Assert.Equal([new PresenceView("alice", false, null)], seen);
    }

    [Fact]
    public async Task RecordActivity_UserHidingLastSeen_TellsNobody()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.HideLastSeen("alice");
        h.LastActive["alice"] = TestClock.Start.AddMinutes(-5);

        await h.RecordAsync("alice");

        Assert.Equal(TestClock.Start, h.LastActive["alice"]);
        h.Realtime.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Get_ShowsContactsOnly_AndHidesThoseWhoChoseNobody()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.AddChat(ChatBuilder.Group().WithAdmin("alice").WithMember("carol").WithMember("dave").Build());
        h.HideLastSeen("dave");
        foreach (var id in new[] { "bob", "carol", "dave", "eve" })
        {
            h.LastActive[id] = TestClock.Start.AddSeconds(-10);
        }

        var views = await Service.GetAsync("alice", ["eve", "bob", "dave", "carol"], None);

        Assert.Equal(
            [
                new PresenceView("eve", false, null),
                new PresenceView("bob", true, TestClock.Start.AddSeconds(-10)),
                new PresenceView("dave", false, null),
                new PresenceView("carol", true, TestClock.Start.AddSeconds(-10)),
            ],
            views);
    }

    [Fact]
    public async Task Get_ContactInactiveFor60s_IsOfflineWithLastSeen()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.LastActive["bob"] = TestClock.Start.AddSeconds(-60);

        var views = await Service.GetAsync("alice", ["bob"], None);

        Assert.Equal(new PresenceView("bob", false, TestClock.Start.AddSeconds(-60)), Assert.Single(views));
    }

    [Fact]
    public async Task Get_ContactNeverActive_IsOfflineWithoutLastSeen()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());

        var views = await Service.GetAsync("alice", ["bob"], None);

        Assert.Equal(new PresenceView("bob", false, null), Assert.Single(views));
    }

    [Fact]
    public async Task Get_FormerGroupMember_IsNoLongerAContact()
    {
        // Leaving deletes the chat's entry from alice's list first (ChatService.RemoveMemberAsync), so no entry names carol.
        h.AddChat(ChatBuilder.Group().WithAdmin("carol").WithPastMember("alice", 0, 3).Build());
        h.LastActive["carol"] = TestClock.Start;

        var views = await Service.GetAsync("alice", ["carol"], None);

        Assert.Equal(new PresenceView("carol", false, null), Assert.Single(views));
    }

    [Fact]
    public async Task Get_100Ids_IsAllowed_101Is400()
    {
        var hundred = Enumerable.Range(1, 100).Select(i => "u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        Assert.Equal(100, (await Service.GetAsync("alice", hundred, None)).Count);
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.GetAsync("alice", [.. hundred, "u101"], None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("userIds"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bob,not an id")]
    [InlineData("bob,")]
    public async Task Get_NoIdsOrMalformedIds_Is400(string csv)
    {
        var ids = csv.Length == 0 ? [] : csv.Split(',');

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.GetAsync("alice", ids, None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("userIds"));
    }

    [Fact]
    public async Task Describe_ChatPartner_ShowsPresence()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.LastActive["bob"] = TestClock.Start.AddSeconds(-10);

        var view = await Service.DescribeAsync("alice", ChatHarness.Account("bob"), withPhone: false, None);

        Assert.Equal((true, TestClock.Start.AddSeconds(-10)), (view.Online, view.LastSeen));
        Assert.Null(view.PhoneNumber);
    }

    [Fact]
    public async Task Describe_Stranger_HidesPresence()
    {
        h.LastActive["bob"] = TestClock.Start.AddSeconds(-10);

        var view = await Service.DescribeAsync("alice", ChatHarness.Account("bob"), withPhone: false, None);

        Assert.Equal((false, (DateTimeOffset?)null), (view.Online, view.LastSeen));
    }

    [Fact]
    public async Task Describe_PartnerWhoChoseNobody_HidesPresence()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.LastActive["bob"] = TestClock.Start.AddSeconds(-10);

        var view = await Service.DescribeAsync("alice", ChatHarness.Account("bob") with { LastSeenVisibility = Chat.Core.Accounts.LastSeenVisibility.Nobody }, withPhone: false, None);

        Assert.Equal((false, (DateTimeOffset?)null), (view.Online, view.LastSeen));
    }

    [Fact]
    public async Task Describe_Self_ShowsOwnPresence_AndPhone()
    {
        h.LastActive["alice"] = TestClock.Start.AddSeconds(-10);

        var view = await Service.DescribeAsync("alice", ChatHarness.Account("alice"), withPhone: true, None);

        Assert.Equal((true, TestClock.Start.AddSeconds(-10)), (view.Online, view.LastSeen));
        Assert.NotNull(view.PhoneNumber);
    }

    [Fact]
    public async Task Describe_IndexEntryWithoutTheChat_HidesPresence()
    {
        var chatId = Chat.Core.Common.Ids.DirectChatId("alice", "bob");
        h.AddIndexEntry("alice", chatId);
        h.AddIndexEntry("bob", chatId);
        h.LastActive["bob"] = TestClock.Start.AddSeconds(-10);

        var view = await Service.DescribeAsync("alice", ChatHarness.Account("bob"), withPhone: false, None);
        var listed = await Service.GetAsync("alice", ["bob"], None);

        Assert.Equal(new PresenceView("bob", false, null), Assert.Single(listed));
        Assert.Equal((false, (DateTimeOffset?)null), (view.Online, view.LastSeen));
    }

    [Fact]
    public async Task Get_CachesEachUsersHidingChoice_SoTheNextReadNeedsNoProfile()
    {
        h.AddChat(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build());
        h.HideLastSeen("carol");
        h.LastActive["bob"] = TestClock.Start;
        h.LastActive["carol"] = TestClock.Start;

        var first = await h.Service.GetAsync("alice", ["bob", "carol"], CancellationToken.None);
        var second = await h.Service.GetAsync("alice", ["bob", "carol"], CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal([true, false], second.Select(p => p.Online));
        Assert.Null(second[1].LastSeen);
        Assert.Equal(new Dictionary<string, bool> { ["bob"] = false, ["carol"] = true }, h.HiddenCache.OrderBy(e => e.Key).ToDictionary());
        h.Users.Verify(u => u.GetManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Get_ContactsWithNoActivity_NeedNoChoice_SoNoProfileIsRead()
    {
        h.AddChat(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build());

        var shown = await h.Service.GetAsync("alice", ["bob", "carol"], CancellationToken.None);

        Assert.Equal([new PresenceView("bob", false, null), new PresenceView("carol", false, null)], shown);
        h.Users.Verify(u => u.GetManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task RecordActivity_WithoutACachedChoice_CachesItFromTheProfile_SoReadsOfTheActiveUserReadNoProfile()
    {
        h.AddChat(ChatBuilder.Direct("alice", "carol").Build());
        h.HideLastSeen("carol");

        await h.RecordAsync("carol"); // first activity: the choice is not cached yet
        h.Time.Advance(PresenceService.CoalesceWindow);
        await h.RecordAsync("carol"); // now it is: the write renews it, no profile read
        var shown = await h.Service.GetAsync("alice", ["carol"], CancellationToken.None);

        Assert.True(h.HiddenCache["carol"]);
        Assert.Equal([new PresenceView("carol", false, null)], shown);
        // One profile read in all: the first activity is a comeback, whose announcement reads the profile and caches its choice.
        h.Users.Verify(u => u.GetAsync("carol", It.IsAny<CancellationToken>()), Times.Once);
        h.Users.Verify(u => u.GetManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Get_NonContacts_ReadNothing_AndShowNothing()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.LastActive["mallory"] = TestClock.Start;

        var shown = await h.Service.GetAsync("alice", ["mallory"], CancellationToken.None);

        Assert.Equal([new PresenceView("mallory", false, null)], shown);
        h.Users.Verify(u => u.GetManyAsync(It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ABlockedUser_SeesTheBlockerOffline_WithNoLastSeen()
    {
        h.AddChat(ChatBuilder.Direct("alice", "bob").Build());
        h.AddChat(ChatBuilder.Group().WithAdmin("alice").WithMember("bob").WithMember("carol").Build());
        h.AddChat(ChatBuilder.Direct("alice", "carol").Build());
        h.Block("alice", "bob");
        h.LastActive["alice"] = TestClock.Start.AddSeconds(-90);

        await h.RecordAsync("alice");
        var seenByBob = Assert.Single(await Service.GetAsync("bob", ["alice"], None));
        var seenByCarol = Assert.Single(await Service.GetAsync("carol", ["alice"], None));

        Assert.Equal(new PresenceView("alice", false, null), seenByBob);
        Assert.True(seenByCarol.Online);
    }

    /// <summary>The user's presence was announced once, to their presence group, and nothing else was sent.</summary>
    private void VerifyAnnouncedToTheGroupOnly(string userId)
    {
        h.Realtime.Verify(
            r => r.SendToGroupAsync(PresenceGroups.Of(userId), ClientMethods.Presence, It.IsAny<object>(), It.IsAny<CancellationToken>()),
            Times.Once);
        h.Realtime.VerifyNoOtherCalls();
    }
}
