namespace Chat.Bench;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Chat.Client;

/// <summary>The phases of one run against a healthy backend, and what they share: users, sends, waits.</summary>
public sealed partial class BenchRun(BenchOptions options, HttpClient http, CpuMeter meter, BenchReport report, Action<string> say) : IAsyncDisposable
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);
    private readonly EventRouter router = new();
    private readonly List<BenchUser> users = [];
    private readonly string runTag = Random.Shared.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture);

    public async Task ExecuteAsync(CancellationToken ct)
    {
        var direct = options.Runs("direct") ? options.Users - (options.Users % 2) : 0;
        var group = options.Runs("group") ? options.GroupSize : 0;
        var push = options.Runs("push") ? options.PushSize : 0;
        var costs = options.Runs("costs") ? CostUsers : options.Runs("concurrent") ? ConcurrentSenders : 0;
        var count = new[] { direct, group, push, costs }.Max();
        if (count >= 2)
        {
            PaceForDefaultLimits(direct);
            await SetUpUsersAsync(count, ct);
            report.Costs = options.Runs("costs") ? await RunCostsAsync(ct) : null;
            report.Concurrent = options.Runs("concurrent") ? await RunConcurrentSendersAsync(ct) : null;
            if (direct > 0)
            {
                await RunDirectPhaseAsync(direct, ct);
            }

            report.Group = group > 0 ? await RunGroupAsync(group, ct) : null;
            report.Push = push > 0 ? await RunPushAsync(push, ct) : null;
        }

        if (options.Runs("xmpp"))
        {
            await RunXmppPhaseAsync(options.Users - (options.Users % 2), ct);
        }
        else if (count < 2)
        {
            report.Notes.Add("Nothing to do: every phase skipped.");
        }
    }

    /// <summary>The messages a series sent: every probe (null where a send was skipped), the pacing and the errors.</summary>
    private sealed record Series<T>(T[] Probes, PacingResult Pacing, Dictionary<string, long> Errors)
        where T : SendProbe
    {
        public T[] Launched { get; } = Probes.Where(p => p is not null).ToArray();

        public T[] Ok => Launched.Where(p => p.IsOk).ToArray();

        public SendCounts Counts()
        {
            var ok = Ok;
            var lastEnd = Launched.Length > 0 ? Launched.Max(p => p.SendEnd) : Stopwatch.GetTimestamp();
            var window = Stopwatch.GetElapsedTime(Pacing.StartTimestamp, lastEnd).TotalSeconds;
            return new SendCounts(
                Probes.Length, Pacing.Launched, Pacing.Skipped, ok.Length, Launched.Length - ok.Length, Errors, Math.Round(window, 2),
                window > 0 ? Math.Round(ok.Length / window, 2) : 0, Distribution.Of(ok.Select(p => Ms(p.Start, p.SendEnd))));
        }
    }

    /// <summary>One message's send under its id: the seq it got (0 where there is none), else the error class.</summary>
    private delegate Task<(long Seq, string? Error)> SendCall(string id, CancellationToken ct);

    /// <summary>
    /// Sends <paramref name="count"/> messages open loop at <paramref name="rate"/> a second; <paramref name="next"/>
    /// gives the probe of message i, which the router follows by its id, and the call that sends it.
    /// </summary>
    private async Task<Series<T>> SendSeriesAsync<T>(string phase, long count, double rate, Func<long, (T Probe, SendCall Send)> next, CancellationToken ct)
        where T : SendProbe
    {
        var probes = new T[count];
        var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var pacing = await OpenLoop.RunAsync(count, rate, options.MaxInFlight, async (i, start) =>
        {
            var (probe, send) = next(i);
            var id = MessageId(phase, i);

            // The wall clock of the launch too (the push sink's `at` is the host's wall clock on the same machine).
            (probe.Start, probe.StartWall) = (start, DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(start));
            probes[i] = probe;
            router.Track(id, probe);
            var (seq, error) = await send(id, ct);
            (probe.SendEnd, probe.Seq) = (Stopwatch.GetTimestamp(), seq);
            Volatile.Write(ref probe.Outcome, error is null ? SendProbe.Ok : SendProbe.Failed);
            if (error is not null)
            {
                errors.AddOrUpdate(error, 1, (_, n) => n + 1);
            }
        }, ct);
        return new Series<T>(probes, pacing, new Dictionary<string, long>(errors, StringComparer.Ordinal));
    }

    private string MessageId(string phase, long i) => $"bench-{runTag}-{phase}-{i.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The call that sends <paramref name="text"/> as <paramref name="sender"/> into the chat.</summary>
    private static SendCall ChatSend(BenchUser sender, string chatId, string text) => async (id, ct) =>
    {
        var (sent, error) = await SendAsync(sender, chatId, id, text, ct);
        return (sent?.Seq ?? 0, error);
    };

    /// <summary>One send: the stored message, else the error class (HTTP status, timeout, network).</summary>
    private static Task<(Message? Sent, string? Error)> SendAsync(BenchUser sender, string chatId, string clientMessageId, string text, CancellationToken ct) =>
        WithinSendTimeoutAsync(
            t => sender.Client.SendAsync(chatId, new SendMessage(clientMessageId, "text", text), t),
            e => e switch
            {
                ChatApiException api => api.Status.ToString(CultureInfo.InvariantCulture),
                HttpRequestException => "network",
                _ => null,
            },
            ct);

    /// <summary>One send under <see cref="SendTimeout"/>: its answer, else its error class: what <paramref name="classify"/>
    /// names (an exception it does not name is thrown), else "timeout" or, when the run is stopping, "cancelled".</summary>
    private static async Task<(T? Sent, string? Error)> WithinSendTimeoutAsync<T>(Func<CancellationToken, Task<T>> send, Func<Exception, string?> classify, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(SendTimeout);
            return (await send(timeout.Token), null);
        }
        catch (OperationCanceledException)
        {
            return (default, ct.IsCancellationRequested ? "cancelled" : "timeout");
        }
        catch (Exception e) when (classify(e) is { } error)
        {
            return (default, error);
        }
    }

    /// <summary>
    /// Waits (at most 30 s) until the server has used under 0.1 CPU s/s for 2 s in a row: right after
    /// start-up and after new code paths the JIT's tiered recompilation costs more CPU than the load.
    /// </summary>
    private async Task SettleAsync(string when, CancellationToken ct)
    {
        if (!meter.Groups.ContainsKey(CpuMeter.Server))
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        var quiet = 0;
        double? last = null;
        while (quiet < 2 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            last = (await SampleCpuAsync(TimeSpan.FromSeconds(1), ct)).Utilization.GetValueOrDefault(CpuMeter.Server);
            quiet = last is < 0.1 ? quiet + 1 : 0;
        }

        report.Setup.Settle[when] = Math.Round(clock.Elapsed.TotalSeconds, 1);
        if (quiet < 2)
        {
            Note($"The server did not settle {when} within 30 s (last second: {Fmt(last)} CPU s/s); measuring anyway.");
        }
        else
        {
            say($"server settled {when} in {clock.Elapsed.TotalSeconds:F0} s");
        }
    }

    /// <summary>The CPU of the watched processes over a wait with no load of ours.</summary>
    private async Task<CpuUsage> SampleCpuAsync(TimeSpan wait, CancellationToken ct)
    {
        var before = meter.Take();
        await Task.Delay(wait, ct);
        return CpuMeter.Between(before, meter.Take(), 0, 0);
    }

    private static async Task<T> Retry503Async<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(60));
                return await call(timeout.Token);
            }
            catch (ChatApiException e) when (e.Status is 429 or 503 && attempt < 5)
            {
                await Task.Delay(Clamp(e.RetryAfter ?? TimeSpan.FromSeconds(1), 0.2, 30), ct);
            }
        }
    }

    /// <summary>Polls <paramref name="progress"/> every 50 ms until it reaches <paramref name="target"/> or the time is up.</summary>
    private static async Task<long> WaitAsync(Func<long> progress, long target, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        long value;
        while ((value = progress()) < target && clock.Elapsed < limit && !ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(50, ct);
            }
            catch (OperationCanceledException)
            {
                // stopping: report what arrived so far
            }
        }

        return value;
    }

    private ParallelOptions Bounded(CancellationToken ct, int? degree = null) =>
        new() { MaxDegreeOfParallelism = degree ?? options.SetupConcurrency, CancellationToken = ct };

    /// <summary>Runs a setup step for each item, --setup-concurrency at a time; a failure is counted under the step and skips that item.</summary>
    private Task ForEachSetupAsync<T>(IEnumerable<T> items, string step, Func<T, CancellationToken, Task> body, CancellationToken ct) =>
        Parallel.ForEachAsync(items, Bounded(ct), async (item, token) =>
        {
            try
            {
                await body(item, token);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                SetupError(step, e);
            }
        });

    private void SetupError(string step, Exception e)
    {
        var key = step + ":" + (e is ChatApiException api ? api.Status.ToString(CultureInfo.InvariantCulture) : e.GetType().Name);
        lock (report.Setup.Errors)
        {
            var first = report.Setup.Errors.TryAdd(key, 0);
            report.Setup.Errors[key]++;
            if (first)
            {
                say($"  {step} failed: {e.Message}");
            }
        }
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static TimeSpan Clamp(TimeSpan value, double minSeconds, double maxSeconds) =>
        TimeSpan.FromSeconds(Math.Clamp(value.TotalSeconds, minSeconds, maxSeconds));

    private static string Fmt(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";

    private void Note(string note)
    {
        report.Notes.Add(note);
        say("note: " + note);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await CloseConnectionsAsync(users, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            say("some real-time connections did not close within 30 s");
        }
    }

    /// <summary>Closes the users' real-time connections (the server may be gone already); how many were open.</summary>
    private async Task<int> CloseConnectionsAsync(IEnumerable<BenchUser> members, CancellationToken ct)
    {
        var open = members.Where(u => u.Realtime is not null).ToArray();
        await Parallel.ForEachAsync(open, Bounded(ct, 16), async (user, _) =>
        {
            var realtime = user.Realtime!;
            user.Realtime = null;
            try
            {
                await realtime.DisposeAsync();
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
            {
                // closed anyway
            }
        });
        return open.Length;
    }
}
