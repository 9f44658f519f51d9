namespace Chat.Core.Common;

using Chat.Core.Errors;

/// <summary>The one retry schedule: the delay doubles from <see cref="BaseDelay"/> up to
/// <see cref="MaxDelay"/>, for <see cref="MaxRetries"/> retries. Queued work (push jobs, real-time group
/// changes) waits it out between runs; optimistic writes inside a request use <see cref="Contention"/>.</summary>
public sealed record Backoff(TimeSpan BaseDelay, TimeSpan MaxDelay, int MaxRetries)
{
    /// <summary>Optimistic writes that lost to a concurrent one (a chat's head, a receipt state): jittered
    /// pauses of 2 ms doubling to 100 ms, ~2.5 s of waiting in all, so a request still answers (503 at
    /// worst) within ~5 s.</summary>
    public static readonly Backoff Contention = new(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(100), 30);

    /// <summary>The wait before retry number <paramref name="retry"/> (1 is the first).</summary>
    public TimeSpan DelayBefore(int retry) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * (1L << Math.Clamp(retry - 1, 0, 30))));

    /// <summary>Whether retry number <paramref name="retry"/> is one too many.</summary>
    public bool Exhausted(int retry) => retry > MaxRetries;

    /// <summary>Waits before retry <paramref name="retry"/> (between half and all of its delay, so that
    /// writers that collided spread out), or gives up with 503 naming <paramref name="what"/>.</summary>
    public Task PauseAsync(int retry, string what, CancellationToken ct)
    {
        if (Exhausted(retry))
        {
            throw ChatErrors.Unavailable(what, TimeSpan.FromSeconds(1));
        }

        var delay = DelayBefore(retry);
        return Task.Delay(delay / 2 + delay / 2 * Random.Shared.NextDouble(), ct);
    }
}
