namespace Chat.UnitTests.Sessions;

using System.ComponentModel.DataAnnotations;
using Chat.Core.Accounts;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.UnitTests.TestData;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

public sealed class SessionStateCacheTests
{
    private const string User = "user1";
    private const string Session = "session1";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly FakeTimeProvider time = TestClock.New();
    private readonly Mock<IUserStore> users = new();
    private readonly Dictionary<string, SessionRecord> stored = new(StringComparer.Ordinal);
    private readonly SessionCacheOptions options = new();
    private readonly FakeSessionRevocations revocations = new();
    private Exception? storeFailure;
    private int storeReads;

    public SessionStateCacheTests()
    {
        users.Setup(u => u.GetSessionAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string userId, string sessionId, CancellationToken _) =>
            {
                storeReads++;
                return storeFailure is not null
                    ? Task.FromException<Versioned<SessionRecord>?>(storeFailure)
                    : Task.FromResult(stored.TryGetValue(sessionId, out var s) && s.UserId == userId ? new Versioned<SessionRecord>(s, "e") : null);
            });
        Cache = new SessionStateCache(users.Object, revocations, Options.Create(options), time, NullLogger<SessionStateCache>.Instance);
        Add(Session);
    }

    private SessionStateCache Cache { get; }

    [Fact]
    public async Task EnsureActive_KnownFreshState_IsServedWithoutALookup()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        time.Advance(options.Ttl - TimeSpan.FromSeconds(1));

        for (var i = 0; i < 100; i++)
        {
            await Cache.EnsureActiveAsync(User, Session, None);
        }

        Assert.Equal(1, revocations.Lookups);
    }

    [Fact]
    public async Task EnsureActive_NeverReadsTheUserStore()
    {
        for (var i = 0; i < 5; i++)
        {
            await Cache.EnsureActiveAsync(User, Session, None);
            time.Advance(options.Ttl);
        }

        Assert.Equal(5, revocations.Lookups);
        Assert.Equal(0, storeReads);
    }

    [Fact]
    public async Task EnsureActive_KnownFreshState_CompletesSynchronously_AllocatingNothing()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        Assert.True(Cache.EnsureActiveAsync(User, Session, None).IsCompletedSuccessfully);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var completed = 0;
        for (var i = 0; i < 1000; i++)
        {
            completed += Cache.EnsureActiveAsync(User, Session, None).IsCompletedSuccessfully ? 1 : 0;
        }

        // Under a byte a call, so no call allocates (a one-off runtime allocation on this thread failed "exactly 0" once).
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 999);
        Assert.Equal(1000, completed);
    }

    [Fact]
    public async Task EnsureActive_StateOlderThanItsTtl_IsLookedUpAgain()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        time.Advance(options.Ttl);

        await Cache.EnsureActiveAsync(User, Session, None);
        await Cache.EnsureActiveAsync(User, Session, None);

        Assert.Equal(2, revocations.Lookups);
    }

    [Fact]
    public void Ttl_Default_Is30s()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), options.Ttl);
    }

    [Fact]
    public async Task RevokedOnAnotherInstance_IsRefusedWithinTheTtlOfTheRevocation()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        time.Advance(TimeSpan.FromMilliseconds(1));
        revocations.RevokeElsewhere(Session); // another instance revokes it right after our look-up
        var revokedAt = time.GetUtcNow();

        // Until the state is looked up again this instance may still accept it: that is the documented window.
        while (await AcceptsAsync())
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(time.GetUtcNow() - revokedAt < TimeSpan.FromSeconds(60), "still accepted 60 s after the revocation");
        }

        Assert.InRange(time.GetUtcNow() - revokedAt, TimeSpan.Zero, options.Ttl);
        Assert.False(await AcceptsAsync());
    }

    [Fact]
    public async Task Revoked_OnThisInstance_IsRefusedAtOnce_WithoutALookup_AndShared()
    {
        await Cache.EnsureActiveAsync(User, Session, None);

        await Cache.RevokedAsync(User, Session, None);

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());
        Assert.Equal(401, error.Status);
        Assert.Equal(1, revocations.Lookups);
        Assert.True(revocations.Contains(Session));
    }

    [Fact]
    public async Task Revoked_SharingFails_Is503_YetRefusedHereAtOnce()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        revocations.Failure = ChatErrors.Unavailable("session revocation store", TimeSpan.FromSeconds(5));

        var shared = await Assert.ThrowsAsync<ChatException>(() => Cache.RevokedAsync(User, Session, None));

        Assert.Equal(503, shared.Status);
        Assert.Equal(401, (await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask())).Status);
    }

    [Fact]
    public async Task Revoked_WhileAnOlderLookupIsInFlight_StaysRevoked()
    {
        var slowLookup = new TaskCompletionSource<bool>();
        revocations.Pending = slowLookup;
        var check = Cache.EnsureActiveAsync(User, Session, None).AsTask();

        await Cache.RevokedAsync(User, Session, None);
        slowLookup.SetResult(false); // looked up before the revocation: says active

        Assert.Equal(401, (await Assert.ThrowsAsync<ChatException>(() => check)).Status);

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());
        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task RevocationsDown_KnownActiveState_HoldsPastItsTtl_Never401()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        revocations.Failure = ChatErrors.Unavailable("session revocation store", TimeSpan.FromSeconds(5));

        time.Advance(options.Ttl * 3);
        await Cache.EnsureActiveAsync(User, Session, None);
        time.Advance(options.Ttl);
        await Cache.EnsureActiveAsync(User, Session, None);

        Assert.Equal(3, revocations.Lookups);
    }

    [Fact]
    public async Task RevocationsDown_KnownRevokedState_StillRefused()
    {
        await Cache.RevokedAsync(User, Session, None);
        revocations.Failure = ChatErrors.Unavailable("session revocation store", TimeSpan.FromSeconds(5));
        time.Advance(options.Ttl * 2);

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task RevocationsDown_NothingKnown_Is503WithRetryAfter()
    {
        revocations.Failure = ChatErrors.Unavailable("session revocation store", TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());

        Assert.Equal(503, error.Status);
        Assert.NotNull(error.RetryAfter);
    }

    [Fact]
    public async Task RevocationsFailingOtherwise_IsNotTurnedIntoAnAnswer()
    {
        revocations.Failure = new InvalidOperationException("a bug");

        await Assert.ThrowsAsync<InvalidOperationException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());
    }

    [Fact]
    public async Task EnsureActiveNow_UnknownSession_Is401_AndNotRemembered()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveNowAsync(User, "new-session", None));
        Assert.Equal(401, error.Status);

        Add("new-session"); // e.g. a replica that lagged behind the login catches up
        await Cache.EnsureActiveNowAsync(User, "new-session", None);
        Assert.Equal(1, Cache.Count);
    }

    [Fact]
    public async Task EnsureActiveNow_SessionOfAnotherUser_Is401()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveNowAsync("user2", Session, None));

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task EnsureActiveNow_ReadsTheStoreEvenWhenAFreshStateIsKnown_AndUpdatesIt()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        stored[Session] = stored[Session] with { Revoked = true };

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveNowAsync(User, Session, None));

        Assert.Equal(401, error.Status);
        Assert.Equal(1, storeReads);
        await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());
        Assert.Equal((1, 1), (storeReads, revocations.Lookups));
    }

    [Fact]
    public async Task EnsureActiveNow_StoreDown_Is503EvenWithAKnownState()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        storeFailure = ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveNowAsync(User, Session, None));

        Assert.Equal(503, error.Status);
    }

    [Fact]
    public async Task ManySessions_StayWithinTheSizeCap()
    {
        options.MaxEntries = 16;
        for (var i = 0; i < 200; i++)
        {
            Add("s" + i);
            await Cache.EnsureActiveAsync(User, "s" + i, None);
            time.Advance(TimeSpan.FromMilliseconds(10));
            Assert.InRange(Cache.Count, 1, 16);
        }

        // The most recent ones were kept.
        var before = revocations.Lookups;
        await Cache.EnsureActiveAsync(User, "s199", None);
        Assert.Equal(before, revocations.Lookups);
    }

    [Fact]
    public async Task StatesUnreadForLongerThanTheRetention_AreSwept()
    {
        for (var i = 0; i < 10; i++)
        {
            Add("s" + i);
            await Cache.EnsureActiveAsync(User, "s" + i, None);
        }

        Assert.Equal(10, Cache.Count);
        time.Advance(options.Retention + TimeSpan.FromSeconds(1));

        await Cache.EnsureActiveAsync(User, Session, None);

        Assert.Equal(1, Cache.Count);
    }

    [Theory]
    [InlineData(0, 20 * 60, false)]
    [InlineData(51, 20 * 60, false)]
    [InlineData(45, 30, false)]
    [InlineData(45, 20 * 60, true)]
    [InlineData(50, 50, true)]
    public void Options_TtlUnder60sAndRetentionAtLeastTtl_AreRequired(int ttlSeconds, int retentionSeconds, bool valid)
    {
        var candidate = new SessionCacheOptions { Ttl = TimeSpan.FromSeconds(ttlSeconds), Retention = TimeSpan.FromSeconds(retentionSeconds) };

        Assert.Equal(valid, System.ComponentModel.DataAnnotations.Validator.TryValidateObject(candidate, new ValidationContext(candidate), [], validateAllProperties: true));
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            await Cache.EnsureActiveAsync(User, Session, None);
            return true;
        }
        catch (ChatException e) when (e.Status == 401)
        {
            return false;
        }
    }

    private void Add(string sessionId) =>
        stored[sessionId] = new SessionRecord { UserId = User, SessionId = sessionId, Generation = 1, RotatedAt = TestClock.Start, CreatedAt = TestClock.Start };
}
