namespace Chat.Bench;

using System.Diagnostics;

/// <summary>What the pacer did.</summary>
public sealed record PacingResult(long Launched, long Skipped, long StartTimestamp);

/// <summary>
/// Open-loop pacing: message i is due at start + i/rate; it is launched when due without waiting for
/// earlier sends (at most <c>maxInFlight</c> at a time; one due at the bound is skipped and counted).
/// Bounded: <c>total</c> launches, and the loop ends when the last one is due or on cancellation.
/// </summary>
public sealed class OpenLoop
{
    private readonly List<Task> tasks = [];
    private int inFlight;
    private long launched;
    private long skipped;

    /// <summary><paramref name="send"/> gets the message's index and its launch timestamp.</summary>
    public static async Task<PacingResult> RunAsync(long total, double rate, int maxInFlight, Func<long, long, Task> send, CancellationToken ct)
    {
        var loop = new OpenLoop();
        var start = Stopwatch.GetTimestamp();
        for (long i = 0; i < total && !ct.IsCancellationRequested; i++)
        {
            var wait = (i / rate) - Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (wait > 0 && !await DelayAsync(TimeSpan.FromSeconds(wait), ct))
            {
                break;
            }

            loop.Launch(i, maxInFlight, send);
        }

        // Each send is bounded by its own timeout, so this wait is too.
        await Task.WhenAll(loop.tasks);
        return new PacingResult(loop.launched, loop.skipped, start);
    }

    private void Launch(long index, int maxInFlight, Func<long, long, Task> send)
    {
        if (Volatile.Read(ref inFlight) >= maxInFlight)
        {
            skipped++;
            return;
        }

        Interlocked.Increment(ref inFlight);
        launched++;
        var now = Stopwatch.GetTimestamp();
        tasks.Add(Task.Run(async () =>
        {
            try
            {
                await send(index, now);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }, CancellationToken.None));
    }

    /// <summary>False when cancelled instead.</summary>
    private static async Task<bool> DelayAsync(TimeSpan wait, CancellationToken ct)
    {
        await Task.WhenAny(Task.Delay(wait, ct));
        return !ct.IsCancellationRequested;
    }
}
