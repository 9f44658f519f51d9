namespace Chat.Core.Common;

/// <summary>The one retry schedule of queued work (push jobs, real-time group changes): the delay
/// doubles from <see cref="BaseDelay"/> up to <see cref="MaxDelay"/>, for <see cref="MaxRetries"/> retries.</summary>
public sealed record Backoff(TimeSpan BaseDelay, TimeSpan MaxDelay, int MaxRetries)
{
    /// <summary>The wait before retry number <paramref name="retry"/> (1 is the first).</summary>
    public TimeSpan DelayBefore(int retry) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * (1L << Math.Clamp(retry - 1, 0, 30))));

    /// <summary>Whether retry number <paramref name="retry"/> is one too many.</summary>
    public bool Exhausted(int retry) => retry > MaxRetries;
}
