namespace Chat.UnitTests.Domain;

using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.UnitTests.TestData;

public sealed class RateLimiterTests
{
    private static readonly RateLimit TwoPerMinute = new("test", 2, TimeSpan.FromMinutes(1));

    [Fact]
    public void Acquire_PastThePermits_Throws429WithRetryAfter()
    {
        var time = TestClock.New();
        var limiter = new InMemoryRateLimiter(time);
        limiter.Acquire(TwoPerMinute, "k");
        limiter.Acquire(TwoPerMinute, "k");
        time.Advance(TimeSpan.FromSeconds(20));

        var error = Assert.Throws<ChatException>(() => limiter.Acquire(TwoPerMinute, "k"));

        Assert.Equal(429, error.Status);
        Assert.Equal(TimeSpan.FromSeconds(40), error.RetryAfter);
    }

    [Fact]
    public void Acquire_AfterTheWindowEnds_IsAllowedAgain()
    {
        var time = TestClock.New();
        var limiter = new InMemoryRateLimiter(time);
        limiter.Acquire(TwoPerMinute, "k");
        limiter.Acquire(TwoPerMinute, "k");

        time.Advance(TimeSpan.FromMinutes(1));

        limiter.Acquire(TwoPerMinute, "k");
        limiter.Acquire(TwoPerMinute, "k");
        Assert.Throws<ChatException>(() => limiter.Acquire(TwoPerMinute, "k"));
    }

    [Fact]
    public void Acquire_CountsKeysAndLimitsSeparately()
    {
        var limiter = new InMemoryRateLimiter(TestClock.New());
        limiter.Acquire(TwoPerMinute, "a");
        limiter.Acquire(TwoPerMinute, "a");

        limiter.Acquire(TwoPerMinute, "b");
        limiter.Acquire(TwoPerMinute with { Name = "other" }, "a");
    }

    [Fact]
    public void RetryAfter_IsAtLeastOneSecond()
    {
        var time = TestClock.New();
        var limiter = new InMemoryRateLimiter(time);
        limiter.Acquire(TwoPerMinute, "k");
        limiter.Acquire(TwoPerMinute, "k");
        time.Advance(TimeSpan.FromSeconds(59.9));

        var error = Assert.Throws<ChatException>(() => limiter.Acquire(TwoPerMinute, "k"));

        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
    }

    [Fact]
    public void ThrowIfExhausted_DoesNotCount_RecordDoes()
    {
        var limiter = new InMemoryRateLimiter(TestClock.New());
        for (var i = 0; i < 5; i++)
        {
            limiter.ThrowIfExhausted(TwoPerMinute, "k");
        }

        limiter.Record(TwoPerMinute, "k");
        limiter.ThrowIfExhausted(TwoPerMinute, "k");
        limiter.Record(TwoPerMinute, "k");

        var error = Assert.Throws<ChatException>(() => limiter.ThrowIfExhausted(TwoPerMinute, "k"));
        Assert.Equal(ErrorKind.RateLimited, error.Kind);
    }

    [Fact]
    public void Record_CountsPastThePermitsWithoutThrowing()
    {
        var limiter = new InMemoryRateLimiter(TestClock.New());
        limiter.Record(TwoPerMinute, "k");
        limiter.Record(TwoPerMinute, "k");
        limiter.Record(TwoPerMinute, "k");

        Assert.Throws<ChatException>(() => limiter.Acquire(TwoPerMinute, "k"));
    }
}
