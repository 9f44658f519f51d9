namespace Chat.Core.Common;

using System.Collections.Concurrent;
using Chat.Core.Errors;

/// <summary>A named allowance: at most <see cref="Permits"/> in <see cref="Window"/>. When the shared
/// counter store cannot answer, a <see cref="FailOpen"/> limit lets the call through (with a warning);
/// every other one refuses it (503), so an outage never means an unthrottled login.</summary>
public sealed record RateLimit(string Name, int Permits, TimeSpan Window, bool FailOpen = false);

/// <summary>Counters of named allowances per key, shared by every instance that uses the same store.</summary>
public interface IRateLimiter
{
    /// <summary>Counts one use of <paramref name="key"/>; throws 429 when the allowance is spent.</summary>
    ValueTask AcquireAsync(RateLimit limit, string key, CancellationToken ct);

    /// <summary>Counts <paramref name="uses"/> uses of <paramref name="key"/> at once; throws 429 (nothing counted) when fewer are left.</summary>
    ValueTask AcquireAsync(RateLimit limit, string key, int uses, CancellationToken ct);

    /// <summary>Counts one use when the allowance has room; false (nothing counted) otherwise.</summary>
    ValueTask<bool> TryAcquireAsync(RateLimit limit, string key, CancellationToken ct);

    /// <summary>Throws 429 when the allowance is already spent, without counting.</summary>
    ValueTask ThrowIfExhaustedAsync(RateLimit limit, string key, CancellationToken ct);

    /// <summary>Counts one use without checking (e.g. a failed login).</summary>
    ValueTask RecordAsync(RateLimit limit, string key, CancellationToken ct);

    /// <summary>Gives back one use taken for a call that was then refused for another reason. Never below zero, and
    /// never throws: a use the store cannot take back stays spent. A use given back just after its window ended
    /// lands in the next window (one use more there).</summary>
    ValueTask ReleaseAsync(RateLimit limit, string key, CancellationToken ct);
}

/// <summary>
/// Fixed-window counters held in this instance's memory: for unit tests and a single instance. Each
/// instance limits on its own, so the hosts use the Redis limiter (Chat.Functions).
/// </summary>
public sealed class InMemoryRateLimiter(TimeProvider time) : IRateLimiter
{
    private readonly ConcurrentDictionary<string, Window> windows = new(StringComparer.Ordinal);
    private long operations;

    public ValueTask AcquireAsync(RateLimit limit, string key, CancellationToken ct) => AcquireAsync(limit, key, 1, ct);

    public ValueTask AcquireAsync(RateLimit limit, string key, int uses, CancellationToken ct)
    {
        var (window, now) = Current(limit, key);
        lock (window)
        {
            if (window.Count + uses > limit.Permits)
            {
                throw ChatErrors.RateLimited(RetryAfter(window, now));
            }

            window.Count += uses;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> TryAcquireAsync(RateLimit limit, string key, CancellationToken ct)
    {
        var (window, _) = Current(limit, key);
        lock (window)
        {
            if (window.Count >= limit.Permits)
            {
                return ValueTask.FromResult(false);
            }

            window.Count++;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask ThrowIfExhaustedAsync(RateLimit limit, string key, CancellationToken ct)
    {
        var (window, now) = Current(limit, key);
        lock (window)
        {
            if (window.Count >= limit.Permits)
            {
                throw ChatErrors.RateLimited(RetryAfter(window, now));
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RecordAsync(RateLimit limit, string key, CancellationToken ct)
    {
        var (window, _) = Current(limit, key);
        lock (window)
        {
            window.Count++;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ReleaseAsync(RateLimit limit, string key, CancellationToken ct)
    {
        var (window, _) = Current(limit, key);
        lock (window)
        {
            window.Count = Math.Max(0, window.Count - 1);
        }

        return ValueTask.CompletedTask;
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
