namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

/// <summary>Presence windows on a host whose clock the tests move.</summary>
[Collection(BackendCollection.Name)]
public sealed class PresenceTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private TestHost host = null!;

    public async Task InitializeAsync() => host = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Partner_SeesOnlineThenOffline_WithLastSeen_OthersSeeNothing()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var stranger = await host.NewUserAsync();
        await alice.OpenDirectAsync(bob.UserId);
        await alice.HeartbeatAsync();

        var seen = Assert.Single(await bob.GetPresenceAsync([alice.UserId]));
        Assert.True(seen.Online);
        Assert.NotNull(seen.LastSeen);
        Assert.True((await bob.GetUserAsync(alice.UserId)).Online);

        var hidden = Assert.Single(await stranger.GetPresenceAsync([alice.UserId]));
        Assert.False(hidden.Online);
        Assert.Null(hidden.LastSeen);
        Assert.False((await stranger.GetUserAsync(alice.UserId)).Online);

        clock.Advance(TimeSpan.FromSeconds(61));
        var later = Assert.Single(await bob.GetPresenceAsync([alice.UserId]));
        Assert.False(later.Online);
        Assert.Equal(seen.LastSeen, later.LastSeen);
    }

    [Fact]
    public async Task LastSeenNobody_HidesOnlineAndLastSeen()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        await alice.OpenDirectAsync(bob.UserId);
        await alice.UpdateMeAsync(new ProfileUpdate(LastSeenVisibility: "nobody"));
        await alice.HeartbeatAsync();

        var seen = Assert.Single(await bob.GetPresenceAsync([alice.UserId]));
        Assert.False(seen.Online);
        Assert.Null(seen.LastSeen);
        var profile = await bob.GetUserAsync(alice.UserId);
        Assert.False(profile.Online);
        Assert.Null(profile.LastSeen);
    }

    [Fact]
    public async Task ComingOnlineAfterAMinute_SendsPresenceToDirectChatPartners()
    {
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        await alice.OpenDirectAsync(bob.UserId);
        var (connection, log) = await EventLog.ConnectAsync(bob);
        await using (connection)
        {
            clock.Advance(TimeSpan.FromSeconds(61));
            await alice.HeartbeatAsync();
            await Expect.Eventually(() => Task.FromResult(log.Presence.Any(p => p.UserId == alice.UserId && p.Online)));
        }
    }

    [Fact]
    public async Task ABlockedPartner_HearsNoPresenceEvent_WhileTheOtherPartnerDoes_AndHearsItAgainOnceUnblocked()
    {
        var alice = await host.NewUserAsync();
        var (bob, carol) = (await host.NewUserAsync(), await host.NewUserAsync());
        await alice.OpenDirectAsync(bob.UserId);
        await alice.OpenDirectAsync(carol.UserId);
        var shared = await alice.CreateGroupAsync("After the announcement", [bob.UserId]); // a group is not affected by the block
        await alice.BlockAsync(bob.UserId);
        var (bobConnection, bobLog) = await EventLog.ConnectAsync(bob);
        var (carolConnection, carolLog) = await EventLog.ConnectAsync(carol);
        await using (bobConnection)
        await using (carolConnection)
        {
            await ComesBackOnline_HeardByOneOnly(alice, carolLog, bobLog, shared.ChatId);

            await alice.UnblockAsync(bob.UserId);
            clock.Advance(TimeSpan.FromSeconds(61));
            await alice.HeartbeatAsync();
            await Expect.Eventually(() => Task.FromResult(bobLog.Presence.Any(p => p.UserId == alice.UserId && p.Online)));
        }
    }

    [Fact]
    public async Task PresencePlacesLeftWrong_AReopenedChatPutsAMissingOneBack_AndAStaleOneOfABlockedUserLeaksNothing()
    {
        var alice = await host.NewUserAsync();
        var (bob, carol) = (await host.NewUserAsync(), await host.NewUserAsync());
        var withBob = await alice.OpenDirectAsync(bob.UserId);
        var withCarol = await alice.OpenDirectAsync(carol.UserId);
        var shared = await alice.CreateGroupAsync("After the announcement", [bob.UserId]);
        await alice.BlockAsync(bob.UserId);
        await host.Services.GetRequiredService<IRealtime>().ApplyAsync(
        [
            new GroupChange(withBob.ChatId, bob.UserId, Add: true, Group: PresenceGroups.Of(alice.UserId)), // as a racing open could leave it
            new GroupChange(withCarol.ChatId, carol.UserId, Add: false, Group: PresenceGroups.Of(alice.UserId)), // as a lost change, or a chat older than presence groups
        ],
            CancellationToken.None);

        await carol.OpenDirectAsync(alice.UserId);

        var (bobConnection, bobLog) = await EventLog.ConnectAsync(bob);
        var (carolConnection, carolLog) = await EventLog.ConnectAsync(carol);
        await using (bobConnection)
        await using (carolConnection)
        {
            await ComesBackOnline_HeardByOneOnly(alice, carolLog, bobLog, shared.ChatId);
        }
    }

    /// <summary><paramref name="user"/> comes back online: <paramref name="hearer"/> hears it; <paramref name="notHearer"/> does not,
    /// though they have heard what came after it (a message in <paramref name="sharedChatId"/>, a group the two share).</summary>
    private async Task ComesBackOnline_HeardByOneOnly(ChatClient user, EventLog hearer, EventLog notHearer, string sharedChatId)
    {
        clock.Advance(TimeSpan.FromSeconds(61));
        await user.HeartbeatAsync();
        await Expect.Eventually(() => Task.FromResult(hearer.Presence.Any(p => p.UserId == user.UserId && p.Online)));
        var marker = await user.SendTextAsync(sharedChatId, "sent after the announcement");
        await Expect.Eventually(() => Task.FromResult(notHearer.Messages.Any(m => m.ChatId == sharedChatId && m.Seq == marker.Seq)));
        Assert.DoesNotContain(notHearer.Presence, p => p.UserId == user.UserId);
    }

    [Fact]
    public async Task Heartbeat_MakesNoCosmosRequest_AndIsReadBackFromRedis()
    {
        var cosmosRequests = new CountingHandler();
        await using var counted = await TestHost.StartAsync(
            backend.Cosmos.ConnectionString, backend.Storage.ConnectionString, time: clock, configureServices: s => s.AddSingleton<RequestHandler>(cosmosRequests));
        var alice = await counted.NewUserAsync();
        await alice.HeartbeatAsync(); // the first activity announces itself (Cosmos reads); later ones do not
        clock.Advance(TimeSpan.FromSeconds(30));

        var before = cosmosRequests.Count;
        await alice.HeartbeatAsync();
        var during = cosmosRequests.Count - before;

        Assert.Equal(0, during);
        var me = await alice.GetMeAsync();
        Assert.True(cosmosRequests.Count > before + during, "the handler must see the profile read of GET /users/me");
        Assert.True(me.Online);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), me.LastSeen!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Presence_Validates()
    {
        var alice = await host.NewUserAsync();
        await Expect.Validation("userIds", () => alice.GetPresenceAsync([]));
        await Expect.Validation("userIds", () => alice.GetPresenceAsync(Enumerable.Range(0, 101).Select(i => "u" + i)));
    }

    /// <summary>Counts every request the Cosmos SDK sends.</summary>
    private sealed class CountingHandler : RequestHandler
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public override Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
