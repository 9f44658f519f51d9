namespace Chat.UnitTests.Domain;

using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.UnitTests.TestData;

public sealed class RateLimiterTests
{
    private static readonly RateLimit TwoPerMinute = new("test", 2, TimeSpan.FromMinutes(1));

    [Fact]
    public async Task Acquire_PastThePermits_Throws429WithRetryAfter()
    {
        var time = TestClock.New();
        var limiter = new InMemoryRateLimiter(time);
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(20));

        var error = await Assert.ThrowsAsync<ChatException>(async () => await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None));

        Assert.Equal(429, error.Status);
        Assert.Equal(TimeSpan.FromSeconds(40), error.RetryAfter);
    }

    [Fact]
    public async Task AcquireSeveral_CountsThemAtOnce_OrNoneWhenTheyDoNotFit()
    {
        var limiter = new InMemoryRateLimiter(TestClock.New());
        var fivePerMinute = TwoPerMinute with { Permits = 5 };
        await limiter.AcquireAsync(fivePerMinute, "k", 3, CancellationToken.None);

        await Assert.ThrowsAsync<ChatException>(async () => await limiter.AcquireAsync(fivePerMinute, "k", 3, CancellationToken.None));

        await limiter.AcquireAsync(fivePerMinute, "k", 2, CancellationToken.None); // nothing was counted for the refused 3
        await Assert.ThrowsAsync<ChatException>(async () => await limiter.AcquireAsync(fivePerMinute, "k", CancellationToken.None));
    }

    [Fact]
    public async Task Release_GivesOneUseBack_NeverBelowZero()
    {
        var limiter = new InMemoryRateLimiter(TestClock.New());
        await limiter.ReleaseAsync(TwoPerMinute, "k", CancellationToken.None); // nothing taken: nothing to give back
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);

        await limiter.ReleaseAsync(TwoPerMinute, "k", CancellationToken.None);

        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        await Assert.ThrowsAsync<ChatException>(async () => await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None));
    }

    [Fact]
    public async Task Acquire_AfterTheWindowEnds_IsAllowedAgain()
    {
        var time = TestClock.New();
        var limiter = new InMemoryRateLimiter(time);
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(1));

        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        await Assert.ThrowsAsync<ChatException>(async () => await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None));
    }

    [Fact]
    public async Task Acquire_CountsKeysAndLimitsSeparately()
    {
        var limiter = new InMemoryRateLimiter(TestClock.New());
        await limiter.AcquireAsync(TwoPerMinute, "a", CancellationToken.None);
        await limiter.AcquireAsync(TwoPerMinute, "a", CancellationToken.None);

        await limiter.AcquireAsync(TwoPerMinute, "b", CancellationToken.None);
        await limiter.AcquireAsync(TwoPerMinute with { Name = "other" }, "a", CancellationToken.None);
    }

    [Fact]
    public async Task RetryAfter_IsAtLeastOneSecond()
    {
        var time = TestClock.New();
        var limiter = new InMemoryRateLimiter(time);
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(59.9));

        var error = await Assert.ThrowsAsync<ChatException>(async () => await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
    }

    [Fact]
    public async Task ThrowIfExhausted_DoesNotCount_RecordDoes()
    {
        var limiter = new InMemoryRateLimiter(TestClock.New());
        for (var i = 0; i < 5; i++)
        {
            await limiter.ThrowIfExhaustedAsync(TwoPerMinute, "k", CancellationToken.None);
        }

        await limiter.RecordAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.ThrowIfExhaustedAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.RecordAsync(TwoPerMinute, "k", CancellationToken.None);

        var error = await Assert.ThrowsAsync<ChatException>(async () => await limiter.ThrowIfExhaustedAsync(TwoPerMinute, "k", CancellationToken.None));
        Assert.Equal(ErrorKind.RateLimited, error.Kind);
    }

    [Fact]
    public async Task Record_CountsPastThePermitsWithoutThrowing()
    {
        var limiter = new InMemoryRateLimiter(TestClock.New());
        await limiter.RecordAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.RecordAsync(TwoPerMinute, "k", CancellationToken.None);
        await limiter.RecordAsync(TwoPerMinute, "k", CancellationToken.None);

        await Assert.ThrowsAsync<ChatException>(async () => await limiter.AcquireAsync(TwoPerMinute, "k", CancellationToken.None));
    }
}
