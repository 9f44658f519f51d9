namespace Chat.Bench;

using System.Diagnostics;

/// <summary>What the pacer did.</summary>
public sealed record PacingResult(long Scheduled, long Launched, long Skipped, double MaxLagMs, int MaxInFlight, long StartTimestamp);

/// <summary>
/// Open-loop pacing: message i is due at start + i/rate; it is launched when due without waiting for
/// earlier sends (at most <c>maxInFlight</c> at a time; one due at the bound is skipped and counted).
/// Bounded: <c>total</c> launches, and the loop ends when the last one is due or on cancellation.
/// </summary>
public static class OpenLoop
{
    public static async Task<PacingResult> RunAsync(long total, double rate, int maxInFlight, Func<long, long, Task> send, CancellationToken ct)
    {
        var tasks = new List<Task>((int)Math.Min(total, 1_000_000));
        var inFlight = new int[1];
        var maxSeen = 0;
        long launched = 0, skipped = 0, issued = 0;
        var maxLag = 0.0;
        var start = Stopwatch.GetTimestamp();
        while (issued < total && !ct.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var due = Math.Min(total, (long)Math.Floor(elapsed * rate) + 1);
            while (issued < due)
            {
                var index = issued++;
                var now = Stopwatch.GetTimestamp();
                maxLag = Math.Max(maxLag, (Stopwatch.GetElapsedTime(start, now).TotalSeconds - (index / rate)) * 1000);
                var current = Volatile.Read(ref inFlight[0]);
                if (current >= maxInFlight)
                {
                    skipped++;
                    continue;
                }

                maxSeen = Math.Max(maxSeen, Interlocked.Increment(ref inFlight[0]));
                launched++;
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        await send(index, now);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight[0]);
                    }
                }, CancellationToken.None));
            }

            if (issued >= total)
            {
                break;
            }

            var wait = (issued / rate) - Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (wait > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(wait, 0.05)), ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        // Each send is bounded by its own timeout, so this wait is too.
        await Task.WhenAll(tasks);
        return new PacingResult(total, launched, skipped, Math.Round(maxLag, 1), maxSeen, start);
    }
}
