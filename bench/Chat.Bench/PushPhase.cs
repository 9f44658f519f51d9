namespace Chat.Bench;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Chat.Client;

/// <summary>
/// The push fan-out phase: a group whose members (but the sender) each register one fcm device, go
/// silent until the server sees them offline, then get one notification per message through the
/// queue, the dispatcher and the local Notification Hubs sink.
/// </summary>
public sealed partial class BenchRun
{
    private static readonly TimeSpan SinkPollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinIdleSample = TimeSpan.FromSeconds(10);

    private async Task<PushResult> RunPushAsync(int size, CancellationToken ct)
    {
        var members = users.Take(size).ToArray();
        await RefreshStaleTokensAsync(ct);
        var push = await SetUpPushGroupAsync(members, ct);

        // An offline member has no app open: close their real-time connections (closing calls no API,
        // and an open connection would not count as activity either; this keeps the host's real-time
        // fan-out out of the phase's CPU). The sender keeps its connection and keeps sending.
        await CloseConnectionsAsync(members.Skip(1), ct);
        var idle = await WaitOfflineAsync(push, ct);
        var warmupSeqs = await PushWarmupAsync(push, ct);

        var silence = Stopwatch.GetElapsedTime(push.LastMemberCall).TotalSeconds;
        var total = (long)options.PushMessages;
        var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        say($"push: {total} messages, one every {options.PushIntervalSeconds} s, to {push.Recipients.Length} offline members (collapse window {options.EffectiveCollapseWindowSeconds} s)");
        var cpuBefore = meter.Take();
        var probes = new PushProbe[total];
        var deadline = await SendWatchingAsync(push, SendSeriesAsync(push.Sender, push.ChatId, "p", total, errors, ct, probes), probes, ct);
        ct.ThrowIfCancellationRequested();

        // The other batches of the last message follow within milliseconds; then stop the CPU window
        // (the full poll below is the bench's, not the push's).
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var cpuAfter = meter.Take();

        var launched = probes.Where(p => p is not null).ToArray();
        var ok = launched.Where(p => p.Outcome == DirectProbe.Ok).ToArray();
        var received = await CollectNotificationsAsync(push, ok, deadline, ct);
        var tally = PushTally.Of(push.Recipients, ok, received);
        var cpu = CpuMeter.Between(cpuBefore, cpuAfter, ok.Length, tally.Notified);
        return Summarize(push, tally, ok, launched, received, warmupSeqs, errors, silence, size, total, cpu, idle);
    }

    /// <summary>The push group, and one fcm device per member: PUT /api/devices is an authenticated call, i.e. their last activity.</summary>
    private async Task<PushGroup> SetUpPushGroupAsync(BenchUser[] members, CancellationToken ct)
    {
        var sender = members[0];
        if (sender.Client.Tokens is null)
        {
            throw new InvalidOperationException("The push group's sender (user 0) is not set up.");
        }

        var others = members.Skip(1).Where(u => u.Client.Tokens is not null).ToArray();
        say($"push: creating a group of {others.Length + 1} members...");
        var clock = Stopwatch.StartNew();
        var chat = await Retry503Async(t => sender.Client.CreateGroupAsync($"bench push {runTag}", others.Select(u => u.UserId), t), ct);
        report.Setup.PushGroupCreateSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);

        say($"push: registering one fcm device for each of {others.Length} members...");
        clock.Restart();
        var registered = new ConcurrentBag<BenchUser>();
        await Parallel.ForEachAsync(others, new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct }, async (user, token) =>
        {
            try
            {
                var token2 = $"bench-fcm-token-{runTag}-{user.Index.ToString(CultureInfo.InvariantCulture)}";
                await Retry503Async(async t => { await user.Client.RegisterDeviceAsync($"bench-{runTag}", "fcm", token2, t); return true; }, token);
                registered.Add(user);
            }
            catch (Exception e) when (e is ChatApiException or HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                SetupError("register-device", e);
            }
        });
        var recipients = registered.OrderBy(u => u.Index).ToArray();
        report.Setup.PushDevicesRegistered = recipients.Length;
        report.Setup.PushDevicesSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        return recipients.Length > 0
            ? new PushGroup(sender, chat.ChatId, recipients, Stopwatch.GetTimestamp(), new ChatClient(http))
            : throw new InvalidOperationException("No push device could be registered; see setup errors.");
    }

    /// <summary>The silence: the server settles, its idle CPU is sampled until the members are offline, and the sender checks they are.</summary>
    private async Task<CpuUsage> WaitOfflineAsync(PushGroup push, CancellationToken ct)
    {
        var offlineAt = push.LastMemberCall + (long)(options.PushOfflineWaitSeconds * Stopwatch.Frequency);
        say($"push: members silent for {options.PushOfflineWaitSeconds:F0} s so that they are offline (no activity for 60 s)...");
        await SettleAsync("before push", ct);
        var idleBefore = meter.Take();
        var remaining = TimeSpan.FromSeconds((offlineAt - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        await Task.Delay(remaining > MinIdleSample ? remaining : MinIdleSample, ct);
        var idle = CpuMeter.Between(idleBefore, meter.Take(), 0, 0);
        try
        {
            var presence = await push.Sender.Client.GetPresenceAsync(push.Recipients.Select(u => u.UserId), ct);
            push.OnlineAtStart = presence.Count(p => p.Online);
            if (push.OnlineAtStart > 0)
            {
                Note($"{push.OnlineAtStart} of {push.Recipients.Length} push recipients were still online when the sends started: they get no notification.");
            }
        }
        catch (ChatApiException e)
        {
            Note($"The presence check before the push sends failed ({e.Message}).");
        }

        return idle;
    }

    /// <summary>
    /// Warm-up: the first pushes run code no earlier phase ran (the dispatcher's hub sends, the sink,
    /// their JSON and HTTP clients) and pay for its JIT; not measured, and their seqs are left out.
    /// </summary>
    private async Task<HashSet<long>> PushWarmupAsync(PushGroup push, CancellationToken ct)
    {
        var warmupSeqs = new HashSet<long>();
        if (options.PushWarmup == 0)
        {
            return warmupSeqs;
        }

        say($"push warm-up: {options.PushWarmup} messages, one every {options.PushIntervalSeconds} s (not measured)");
        var warm = await SendSeriesAsync(push.Sender, push.ChatId, "pw", options.PushWarmup, new ConcurrentDictionary<string, long>(StringComparer.Ordinal), ct);
        warmupSeqs.UnionWith(warm.Where(p => p.Outcome == DirectProbe.Ok).Select(p => p.Seq));
        var until = Stopwatch.GetTimestamp() + (long)(options.PushWaitSeconds * Stopwatch.Frequency);
        var lastWarm = warmupSeqs.DefaultIfEmpty(0).Max();
        while (warmupSeqs.Count > 0 && Stopwatch.GetTimestamp() < until)
        {
            await Task.Delay(SinkPollInterval, ct);
            push.Polls++;
            if ((await PollSinkAsync(push.Sink, push.Recipients[0], push.ChatId, ct))?.Any(n => n.Seq == lastWarm) == true)
            {
                break;
            }
        }

        await SettleAsync("after push warm-up", ct);
        return warmupSeqs;
    }

    /// <summary>Polls sparingly while sending: one member a second, until one has the last message's notification; returns the wait's deadline.</summary>
    private async Task<long> SendWatchingAsync(PushGroup push, Task sending, PushProbe[] probes, CancellationToken ct)
    {
        long deadline = long.MaxValue, lastSeq = 0;
        var next = 0;
        var lastSay = Stopwatch.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SinkPollInterval, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (sending.IsCompleted && deadline == long.MaxValue)
            {
                var done = probes.Where(p => p is not null).ToArray();
                lastSeq = done.Where(p => p.Outcome == DirectProbe.Ok).Select(p => p.Seq).DefaultIfEmpty(0).Max();
                deadline = done.Select(p => p.SendEnd).DefaultIfEmpty(Stopwatch.GetTimestamp()).Max() + (long)(options.PushWaitSeconds * Stopwatch.Frequency);
            }

            var member = push.Recipients[next++ % push.Recipients.Length];
            var seen = await PollSinkAsync(push.Sink, member, push.ChatId, ct);
            push.Polls++;
            if (Stopwatch.GetElapsedTime(lastSay) > TimeSpan.FromSeconds(15))
            {
                lastSay = Stopwatch.GetTimestamp();
                say($"  push: {probes.Count(p => p is not null)}/{probes.Length} sent; member {member.Index} has {seen?.Count.ToString(CultureInfo.InvariantCulture) ?? "?"} notifications");
            }

            if (sending.IsCompleted && (lastSeq == 0 || seen?.Any(n => n.Seq == lastSeq) == true || Stopwatch.GetTimestamp() > deadline))
            {
                break;
            }
        }

        await sending;
        return deadline;
    }

    /// <summary>Polls all members once, then those missing something every 2 s until the deadline.</summary>
    private async Task<ConcurrentDictionary<int, IReadOnlyList<SinkNotification>>> CollectNotificationsAsync(PushGroup push, PushProbe[] ok, long deadline, CancellationToken ct)
    {
        var received = new ConcurrentDictionary<int, IReadOnlyList<SinkNotification>>();
        var wanted = push.Recipients;
        while (true)
        {
            var polls = 0;
            await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct }, async (user, token) =>
            {
                if (await PollSinkAsync(push.Sink, user, push.ChatId, token) is { } list)
                {
                    received[user.Index] = list;
                }

                Interlocked.Increment(ref polls);
            });
            push.Polls += polls;
            wanted = push.Recipients.Where(u => ok.Any(p => !received.TryGetValue(u.Index, out var list) || !list.Any(n => n.Seq == p.Seq))).ToArray();
            if (wanted.Length == 0 || Stopwatch.GetTimestamp() > deadline || ct.IsCancellationRequested)
            {
                return received;
            }

            say($"  push: {wanted.Length} members miss a notification; polling them again in 2 s");
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }

    private PushResult Summarize(
        PushGroup push,
        PushTally tally,
        PushProbe[] ok,
        PushProbe[] launched,
        IReadOnlyDictionary<int, IReadOnlyList<SinkNotification>> received,
        HashSet<long> warmupSeqs,
        IReadOnlyDictionary<string, long> errors,
        double silence,
        int size,
        long total,
        CpuUsage cpu,
        CpuUsage idle)
    {
        var sentSeqs = ok.Select(p => p.Seq).ToHashSet();
        var unexpected = received.Values.Sum(list => list.LongCount(n => !sentSeqs.Contains(n.Seq) && !warmupSeqs.Contains(n.Seq)));
        var lastSendEnd = launched.Length > 0 ? launched.Max(p => p.SendEnd) : Stopwatch.GetTimestamp();
        var firstStart = launched.Length > 0 ? launched.Min(p => p.Start) : lastSendEnd;
        var window = Stopwatch.GetElapsedTime(firstStart, lastSendEnd).TotalSeconds;

        // Net of idle: the phase sends one message every few seconds, so the idle baseline (timers,
        // queue polling, the SignalR keep-alives) is most of the raw figure.
        double? NetSeconds(string name) =>
            cpu.Seconds.GetValueOrDefault(name) is { } busy && idle.Utilization.GetValueOrDefault(name) is { } rate ? busy - (rate * cpu.WindowSeconds) : null;
        var net = cpu.Seconds.Keys.ToDictionary(
            name => name, name => NetSeconds(name) is { } s && ok.Length > 0 ? Math.Round(s * 1000 / ok.Length, 3) : (double?)null, StringComparer.Ordinal);

        return new PushResult
        {
            Members = size,
            Recipients = push.Recipients.Length,
            WarmupMessages = warmupSeqs.Count,
            IntervalSeconds = options.PushIntervalSeconds,
            CollapseWindowSeconds = options.EffectiveCollapseWindowSeconds,
            SilenceSeconds = Math.Round(silence, 1),
            OnlineAtStart = push.OnlineAtStart,
            Scheduled = total,
            Sent = ok.Length,
            Failed = launched.Length - ok.Length,
            ErrorsByStatus = new Dictionary<string, long>(errors, StringComparer.Ordinal),
            ExpectedNotifications = (long)ok.Length * push.Recipients.Length,
            Notified = tally.Notified,
            Missing = tally.Missing,
            Duplicates = tally.Duplicates,
            MessagesIncomplete = tally.Incomplete,
            Unexpected = unexpected,
            SinkPolls = push.Polls,
            AchievedRate = window > 0 ? Math.Round((ok.Length - 1) / window, 3) : 0,
            CompletionMs = Distribution.Of(tally.Completion),
            NotificationMs = Distribution.Of(tally.Single),
            SpreadMs = Distribution.Of(tally.Spread),
            SendCallMs = Distribution.Of(ok.Select(p => Ms(p.Start, p.SendEnd))),
            Cpu = cpu,
            IdleCpu = idle,
            NetPerThousandMessages = net,
            NetServerPerThousandNotifications = NetSeconds(CpuMeter.Server) is { } server && tally.Notified > 0 ? Math.Round(server * 1000 / tally.Notified, 3) : null,
        };
    }

    /// <summary>Sends <paramref name="count"/> messages open loop at the push interval; each probe holds its seq.</summary>
    private async Task<PushProbe[]> SendSeriesAsync(
        BenchUser sender, string chatId, string phase, long count, ConcurrentDictionary<string, long> errors, CancellationToken ct, PushProbe[]? probes = null)
    {
        probes ??= new PushProbe[count];
        await OpenLoop.RunAsync(count, 1 / options.PushIntervalSeconds, options.MaxInFlight, async (i, start) =>
        {
            // The wall clock of the launch (the sink's `at` is the host's wall clock on the same machine).
            var probe = new PushProbe { Start = start, StartWall = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(start) };
            probes[i] = probe;
            var id = $"bench-{runTag}-{phase}-{i.ToString(CultureInfo.InvariantCulture)}";
            var (sent, outcome) = await SendAsync(sender, chatId, id, $"push bench {i}: anyone there?", ct);
            probe.SendEnd = Stopwatch.GetTimestamp();
            probe.Seq = sent?.Seq ?? 0;
            Volatile.Write(ref probe.Outcome, outcome is null ? DirectProbe.Ok : DirectProbe.Failed);
            if (outcome is not null)
            {
                errors.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
        }, ct);
        return probes.Where(p => p is not null).ToArray();
    }

    /// <summary>What the sink recorded for the member in the chat (null when the poll failed).</summary>
    private static async Task<IReadOnlyList<SinkNotification>?> PollSinkAsync(ChatClient sink, BenchUser member, string chatId, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var all = await sink.LocalNotificationsAsync(member.UserId, timeout.Token);
            return all.Select(n => SinkNotification.Of(n, chatId)).OfType<SinkNotification>().ToArray();
        }
        catch (Exception e) when (e is ChatApiException or HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>One send that keeps the stored message (its seq names the notifications); else the error class.</summary>
    private static async Task<(Message? Sent, string? Error)> SendAsync(BenchUser sender, string chatId, string clientMessageId, string text, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(SendTimeout);
            return (await sender.Client.SendAsync(chatId, new SendMessage(clientMessageId, "text", text), timeout.Token), null);
        }
        catch (ChatApiException e)
        {
            return (null, e.Status.ToString(CultureInfo.InvariantCulture));
        }
        catch (OperationCanceledException)
        {
            return (null, ct.IsCancellationRequested ? "cancelled" : "timeout");
        }
        catch (HttpRequestException)
        {
            return (null, "network");
        }
    }

    private async Task CloseConnectionsAsync(IEnumerable<BenchUser> members, CancellationToken ct)
    {
        var open = members.Where(u => u.Realtime is not null).ToArray();
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (user, _) =>
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
        say($"push: closed the real-time connections of {open.Length} members (offline: their app is closed)");
    }
}

/// <summary>The push group: its sender, the members with a device, the sink (polled without a token) and its poll count.</summary>
internal sealed class PushGroup(BenchUser sender, string chatId, BenchUser[] recipients, long lastMemberCall, ChatClient sink)
{
    public BenchUser Sender { get; } = sender;

    public string ChatId { get; } = chatId;

    public BenchUser[] Recipients { get; } = recipients;

    /// <summary>Stopwatch timestamp of the members' last API call (their device registration).</summary>
    public long LastMemberCall { get; } = lastMemberCall;

    public ChatClient Sink { get; } = sink;

    public int? OnlineAtStart { get; set; }

    public int Polls { get; set; }
}

/// <summary>What the sink got for the sent messages: counts and per-message times (ms from the send start).</summary>
internal sealed record PushTally(long Notified, long Missing, long Duplicates, long Incomplete, List<double> Single, List<double> Completion, List<double> Spread)
{
    public static PushTally Of(BenchUser[] recipients, PushProbe[] ok, IReadOnlyDictionary<int, IReadOnlyList<SinkNotification>> received)
    {
        var t = new PushTally(0, 0, 0, 0, [], [], []);
        foreach (var probe in ok)
        {
            var times = recipients
                .Select(u => received.TryGetValue(u.Index, out var list) ? list.Where(n => n.Seq == probe.Seq).Select(n => n.At).Order().ToArray() : [])
                .ToArray();
            t = t.Add(probe, times);
        }

        return t;
    }

    /// <summary>One message: each member's notification times for its seq.</summary>
    private PushTally Add(PushProbe probe, DateTimeOffset[][] times)
    {
        var firsts = times.Where(x => x.Length > 0).Select(x => x[0]).ToArray();
        Single.AddRange(firsts.Select(at => (at - probe.StartWall).TotalMilliseconds));
        var everyone = firsts.Length == times.Length && firsts.Length > 0;
        if (everyone)
        {
            Completion.Add((firsts.Max() - probe.StartWall).TotalMilliseconds);
            Spread.Add((firsts.Max() - firsts.Min()).TotalMilliseconds);
        }

        return this with
        {
            Notified = Notified + firsts.Length,
            Missing = Missing + (times.Length - firsts.Length),
            Duplicates = Duplicates + times.Sum(x => Math.Max(0, x.Length - 1)),
            Incomplete = Incomplete + (times.All(x => x.Length == 1) ? 0 : 1),
        };
    }
}

/// <summary>A push-phase message: when it was sent (monotonic and wall clock) and the seq it got.</summary>
internal sealed class PushProbe
{
    public long Start;
    public DateTimeOffset StartWall;
    public long SendEnd;
    public long Seq;
    public int Outcome;
}

/// <summary>A notification the sink recorded for one member's device, for a message of the push group.</summary>
internal sealed record SinkNotification(long Seq, DateTimeOffset At)
{
    /// <summary>The fcm payload's <c>message.data</c> {chatId, seq (a string)}; null for another chat or another shape.</summary>
    public static SinkNotification? Of(ReceivedNotification notification, string chatId)
    {
        var payload = notification.Payload;
        return payload.ValueKind == JsonValueKind.Object
            && payload.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("chatId", out var chat) && chat.ValueKind == JsonValueKind.String && chat.GetString() == chatId
            && data.TryGetProperty("seq", out var seq) && seq.ValueKind == JsonValueKind.String
            && long.TryParse(seq.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? new SinkNotification(n, notification.At)
                : null;
    }
}
