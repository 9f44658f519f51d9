namespace Chat.Core.Common;

using System.Collections.Concurrent;
using Chat.Core.Errors;

/// <summary>A named allowance: at most <see cref="Permits"/> in <see cref="Window"/>.</summary>
public sealed record RateLimit(string Name, int Permits, TimeSpan Window);

public interface IRateLimiter
{
    /// <summary>Counts one use of <paramref name="key"/>; throws 429 when the allowance is spent.</summary>
    void Acquire(RateLimit limit, string key);

    /// <summary>Counts one use when the allowance has room; false (nothing counted) otherwise.</summary>
    bool TryAcquire(RateLimit limit, string key);

    /// <summary>Throws 429 when the allowance is already spent, without counting.</summary>
    void ThrowIfExhausted(RateLimit limit, string key);

    /// <summary>Counts one use without checking (e.g. a failed login).</summary>
    void Record(RateLimit limit, string key);
}

/// <summary>
/// Fixed-window counters held in this instance's memory. Each Functions instance limits on its own,
/// so the effective limit scales with the instance count; a shared store (Redis) can replace it
/// behind <see cref="IRateLimiter"/> when that matters.
/// </summary>
public sealed class InMemoryRateLimiter(TimeProvider time) : IRateLimiter
{
    private readonly ConcurrentDictionary<string, Window> windows = new(StringComparer.Ordinal);
    private long operations;

    public void Acquire(RateLimit limit, string key)
    {
        var (window, now) = Current(limit, key);
        lock (window)
        {
            if (window.Count >= limit.Permits)
            {
                throw ChatErrors.RateLimited(RetryAfter(window, now));
            }

            window.Count++;
        }
    }

    public bool TryAcquire(RateLimit limit, string key)
    {
        var (window, _) = Current(limit, key);
        lock (window)
        {
            if (window.Count >= limit.Permits)
            {
                return false;
            }

            window.Count++;
            return true;
        }
    }

    public void ThrowIfExhausted(RateLimit limit, string key)
    {
        var (window, now) = Current(limit, key);
        lock (window)
        {
            if (window.Count >= limit.Permits)
            {
                throw ChatErrors.RateLimited(RetryAfter(window, now));
            }
        }
    }

    public void Record(RateLimit limit, string key)
    {
        var (window, _) = Current(limit, key);
        lock (window)
        {
            window.Count++;
        }
    }

    private (Window Window, DateTimeOffset Now) Current(RateLimit limit, string key)
    {
        var now = time.GetUtcNow();
        if (Interlocked.Increment(ref operations) % 4096 == 0)
        {
            Sweep(now);
        }

        var window = windows.AddOrUpdate(
            limit.Name + "|" + key,
            _ => new Window(now + limit.Window),
            (_, existing) => existing.EndsAt <= now ? new Window(now + limit.Window) : existing);
        return (window, now);
    }

    private static TimeSpan RetryAfter(Window window, DateTimeOffset now)
    {
        var left = window.EndsAt - now;
        return left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left;
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, window) in windows)
        {
            if (window.EndsAt <= now)
            {
                windows.TryRemove(key, out _);
            }
        }
    }

    private sealed class Window(DateTimeOffset endsAt)
    {
        public DateTimeOffset EndsAt { get; } = endsAt;

        public int Count { get; set; }
    }
}
