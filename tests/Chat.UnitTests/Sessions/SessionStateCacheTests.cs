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
    private Exception? storeFailure;
    private int reads;

    public SessionStateCacheTests()
    {
        users.Setup(u => u.GetSessionAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string userId, string sessionId, CancellationToken _) =>
            {
                reads++;
                return storeFailure is not null
                    ? Task.FromException<Versioned<SessionRecord>?>(storeFailure)
                    : Task.FromResult(stored.TryGetValue(sessionId, out var s) && s.UserId == userId ? new Versioned<SessionRecord>(s, "e") : null);
            });
        Cache = new SessionStateCache(users.Object, Options.Create(options), time, NullLogger<SessionStateCache>.Instance);
        Add(Session);
    }

    private SessionStateCache Cache { get; }

    [Fact]
    public async Task EnsureActive_KnownFreshState_IsServedWithoutAStoreRead()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        time.Advance(options.Ttl - TimeSpan.FromSeconds(1));

        for (var i = 0; i < 100; i++)
        {
            await Cache.EnsureActiveAsync(User, Session, None);
        }

        Assert.Equal(1, reads);
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

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1000, completed);
    }

    [Fact]
    public async Task EnsureActive_StateOlderThanItsTtl_IsReadAgain()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        time.Advance(options.Ttl);

        await Cache.EnsureActiveAsync(User, Session, None);
        await Cache.EnsureActiveAsync(User, Session, None);

        Assert.Equal(2, reads);
    }

    [Fact]
    public void Ttl_Default_LeavesRoomForRequestTimeUnder60s()
    {
        Assert.True(options.Ttl <= TimeSpan.FromSeconds(50));
    }

    [Fact]
    public async Task RevokedOnAnotherInstance_IsRefusedWithin60sOfTheRevocation()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        time.Advance(TimeSpan.FromMilliseconds(1));
        stored[Session] = stored[Session] with { Revoked = true }; // another instance revokes it right after our read
        var revokedAt = time.GetUtcNow();

        // Until the state is re-read this instance may still accept it: that is the documented window.
        while (await AcceptsAsync())
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(time.GetUtcNow() - revokedAt < TimeSpan.FromSeconds(60), "still accepted 60 s after the revocation");
        }

        Assert.InRange(time.GetUtcNow() - revokedAt, TimeSpan.Zero, options.Ttl);
        Assert.False(await AcceptsAsync());
    }

    [Fact]
    public async Task Revoked_OnThisInstance_IsRefusedAtOnce_WithoutAStoreRead()
    {
        await Cache.EnsureActiveAsync(User, Session, None);

        Cache.Revoked(User, Session);

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());
        Assert.Equal(401, error.Status);
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task Revoked_WhileAnOlderReadIsInFlight_StaysRevoked()
    {
        var slowRead = new TaskCompletionSource<Versioned<SessionRecord>?>();
        users.Setup(u => u.GetSessionAsync(User, Session, It.IsAny<CancellationToken>())).Returns(slowRead.Task);
        var check = Cache.EnsureActiveAsync(User, Session, None).AsTask();

        Cache.Revoked(User, Session);
        slowRead.SetResult(new Versioned<SessionRecord>(stored[Session], "e")); // read before the revocation: says active

        Assert.Equal(401, (await Assert.ThrowsAsync<ChatException>(() => check)).Status);

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());
        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task StoreDown_KnownActiveState_HoldsPastItsTtl_Never401()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        storeFailure = ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5));

        time.Advance(options.Ttl * 3);
        await Cache.EnsureActiveAsync(User, Session, None);
        time.Advance(options.Ttl);
        await Cache.EnsureActiveAsync(User, Session, None);

        Assert.Equal(3, reads);
    }

    [Fact]
    public async Task StoreDown_KnownRevokedState_StillRefused()
    {
        Cache.Revoked(User, Session);
        storeFailure = ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5));
        time.Advance(options.Ttl * 2);

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task StoreDown_NothingKnown_Is503WithRetryAfter()
    {
        storeFailure = ChatErrors.Unavailable("database", TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());

        Assert.Equal(503, error.Status);
        Assert.NotNull(error.RetryAfter);
    }

    [Fact]
    public async Task StoreFailingOtherwise_IsNotTurnedIntoAnAnswer()
    {
        storeFailure = new InvalidOperationException("a bug");

        await Assert.ThrowsAsync<InvalidOperationException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());
    }

    [Fact]
    public async Task UnknownSession_Is401_AndNotRemembered()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, "new-session", None).AsTask());
        Assert.Equal(401, error.Status);

        Add("new-session"); // e.g. a replica that lagged behind the login catches up
        await Cache.EnsureActiveAsync(User, "new-session", None);
        Assert.Equal(1, Cache.Count);
    }

    [Fact]
    public async Task SessionOfAnotherUser_Is401()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync("user2", Session, None).AsTask());

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task EnsureActiveNow_ReadsTheStoreEvenWhenAFreshStateIsKnown_AndUpdatesIt()
    {
        await Cache.EnsureActiveAsync(User, Session, None);
        stored[Session] = stored[Session] with { Revoked = true };

        var error = await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveNowAsync(User, Session, None));

        Assert.Equal(401, error.Status);
        Assert.Equal(2, reads);
        await Assert.ThrowsAsync<ChatException>(() => Cache.EnsureActiveAsync(User, Session, None).AsTask());
        Assert.Equal(2, reads);
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
        var before = reads;
        await Cache.EnsureActiveAsync(User, "s199", None);
        Assert.Equal(before, reads);
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
