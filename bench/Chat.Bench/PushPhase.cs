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
        await RefreshStaleTokensAsync(ct);
        var push = await SetUpPushGroupAsync(users.Take(size).ToArray(), ct);

        // An offline member has no app open: close their real-time connections (closing calls no API,
        // and an open connection would not count as activity either; this keeps the host's real-time
        // fan-out out of the phase's CPU). The sender keeps its connection and keeps sending.
        var closed = await CloseConnectionsAsync(users.Skip(1).Take(size - 1), ct);
        say($"push: closed the real-time connections of {closed} members (offline: their app is closed)");
        var idle = await WaitOfflineAsync(push, ct);
        var warmupSeqs = await PushWarmupAsync(push, ct);

        var silence = Math.Round(Stopwatch.GetElapsedTime(push.LastMemberCall).TotalSeconds, 1);
        var (series, deadline, cpuBefore, cpuAfter) = await SendMeasuredPushAsync(push, ct);
        var ok = series.Ok;
        var received = await CollectNotificationsAsync(push, ok, deadline, ct);
        var tally = PushTally.Of(push.Recipients, ok, received);
        var cpu = CpuMeter.Between(cpuBefore, cpuAfter, ok.Length, tally.Notified);
        var unexpected = received.Values.Sum(list => list.LongCount(n => !ok.Any(p => p.Seq == n.Seq) && !warmupSeqs.Contains(n.Seq)));
        var (net, netPerNotification) = NetOfIdle(cpu, idle, ok.Length, tally.Notified);
        return new PushResult(
            size, push.Recipients.Length, warmupSeqs.Count, options.PushIntervalSeconds, options.EffectiveCollapseWindowSeconds, silence,
            push.OnlineAtStart, series.Counts(), tally, unexpected, push.Polls, cpu, idle, net, netPerNotification);
    }

    /// <summary>The measured sends, watching the sink; the CPU window ends 1 s after a member had the last message (the full poll after it is the bench's).</summary>
    private async Task<(Series<SendProbe> Series, long Deadline, CpuSnapshot Before, CpuSnapshot After)> SendMeasuredPushAsync(PushGroup push, CancellationToken ct)
    {
        say($"push: {options.PushMessages} messages, one every {options.PushIntervalSeconds} s, to {push.Recipients.Length} offline members (collapse window {options.EffectiveCollapseWindowSeconds} s)");
        var before = meter.Take();
        var probes = new SendProbe?[options.PushMessages];
        var sending = SendPushSeriesAsync(push, "p", options.PushMessages, probes, ct);
        var deadline = await WatchSinkAsync(push, sending, probes, ct);
        var series = await sending;
        ct.ThrowIfCancellationRequested();

        // The other batches of the last message follow within milliseconds.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        return (series, deadline, before, meter.Take());
    }

    /// <summary>The push group, and one fcm device per member: PUT /api/devices is an authenticated call, i.e. their last activity.</summary>
    private async Task<PushGroup> SetUpPushGroupAsync(BenchUser[] members, CancellationToken ct)
    {
        var sender = members[0].SignedIn ? members[0] : throw new InvalidOperationException("The push group's sender (user 0) is not set up.");
        var others = members.Skip(1).Where(u => u.SignedIn).ToArray();
        say($"push: creating a group of {others.Length + 1} members...");
        var clock = Stopwatch.StartNew();
        var chat = await Retry503Async(t => sender.Client.CreateGroupAsync($"bench push {runTag}", others.Select(u => u.UserId), t), ct);
        report.Setup.PushGroupCreateSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);

        say($"push: registering one fcm device for each of {others.Length} members...");
        clock.Restart();
        var registered = new ConcurrentBag<BenchUser>();
        await ForEachSetupAsync(others, "register-device", async (user, token) =>
        {
            var fcmToken = $"bench-fcm-token-{runTag}-{user.Index.ToString(CultureInfo.InvariantCulture)}";
            await Retry503Async(async t => { await user.Client.RegisterDeviceAsync($"bench-{runTag}", "fcm", fcmToken, t); return true; }, token);
            registered.Add(user);
        }, ct);
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
        var remaining = TimeSpan.FromSeconds((offlineAt - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        var idle = await SampleCpuAsync(remaining > MinIdleSample ? remaining : MinIdleSample, ct);
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
        if (options.PushWarmup == 0)
        {
            return [];
        }

        say($"push warm-up: {options.PushWarmup} messages, one every {options.PushIntervalSeconds} s (not measured)");
        var warm = await SendPushSeriesAsync(push, "pw", options.PushWarmup, new SendProbe?[options.PushWarmup], ct);
        var warmupSeqs = warm.Ok.Select(p => p.Seq).ToHashSet();
        var until = Stopwatch.GetTimestamp() + (long)(options.PushWaitSeconds * Stopwatch.Frequency);
        var lastWarm = warmupSeqs.DefaultIfEmpty(0).Max();
        while (warmupSeqs.Count > 0 && Stopwatch.GetTimestamp() < until)
        {
            await Task.Delay(SinkPollInterval, ct);
            if ((await PollSinkAsync(push, push.Recipients[0], ct))?.Any(n => n.Seq == lastWarm) == true)
            {
                break;
            }
        }

        await SettleAsync("after push warm-up", ct);
        return warmupSeqs;
    }

    /// <summary>Sends at the push interval; <paramref name="probes"/> fills as they go (the sink watch reads it).</summary>
    private async Task<Series<SendProbe>> SendPushSeriesAsync(PushGroup push, string phase, int count, SendProbe?[] probes, CancellationToken ct)
    {
        var series = await SendSeriesAsync(phase, count, 1 / options.PushIntervalSeconds, i =>
        {
            var probe = new SendProbe();
            probes[i] = probe;
            return (probe, ChatSend(push.Sender, push.ChatId, $"push bench {i}: anyone there?"));
        }, ct);
        router.Forget();
        return series;
    }

    /// <summary>Polls sparingly while sending: one member a second, until one has the last message's notification; returns the wait's deadline.</summary>
    private async Task<long> WatchSinkAsync(PushGroup push, Task sending, SendProbe?[] probes, CancellationToken ct)
    {
        long deadline = long.MaxValue, lastSeq = 0;
        var lastSay = Stopwatch.GetTimestamp();
        for (var next = 0; !ct.IsCancellationRequested; next++)
        {
            await Task.WhenAny(Task.Delay(SinkPollInterval, ct)); // returns on cancellation too
            if (sending.IsCompleted && deadline == long.MaxValue)
            {
                var done = probes.OfType<SendProbe>().ToArray();
                lastSeq = done.Where(p => p.IsOk).Select(p => p.Seq).DefaultIfEmpty(0).Max();
                deadline = done.Select(p => p.SendEnd).DefaultIfEmpty(Stopwatch.GetTimestamp()).Max() + (long)(options.PushWaitSeconds * Stopwatch.Frequency);
            }

            var member = push.Recipients[next % push.Recipients.Length];
            var seen = await PollSinkAsync(push, member, ct);
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

        return deadline;
    }

    /// <summary>Polls all members once, then those missing something every 2 s until the deadline.</summary>
    private async Task<ConcurrentDictionary<int, IReadOnlyList<SinkNotification>>> CollectNotificationsAsync(PushGroup push, SendProbe[] ok, long deadline, CancellationToken ct)
    {
        var received = new ConcurrentDictionary<int, IReadOnlyList<SinkNotification>>();
        var wanted = push.Recipients;
        while (true)
        {
            await Parallel.ForEachAsync(wanted, Bounded(ct), async (user, token) =>
            {
                if (await PollSinkAsync(push, user, token) is { } list)
                {
                    received[user.Index] = list;
                }
            });
            wanted = push.Recipients.Where(u => ok.Any(p => !received.TryGetValue(u.Index, out var list) || !list.Any(n => n.Seq == p.Seq))).ToArray();
            if (wanted.Length == 0 || Stopwatch.GetTimestamp() > deadline || ct.IsCancellationRequested)
            {
                return received;
            }

            say($"  push: {wanted.Length} members miss a notification; polling them again in 2 s");
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }

    /// <summary>
    /// CPU net of idle: the phase sends one message every few seconds, so the idle baseline (timers,
    /// queue polling, the SignalR keep-alives) is most of the raw figure. Per 1,000 messages, and the host's per 1,000 notifications.
    /// </summary>
    private static (Dictionary<string, double?> PerThousandMessages, double? ServerPerThousandNotifications) NetOfIdle(
        CpuUsage cpu, CpuUsage idle, long messages, long notifications)
    {
        double? NetSeconds(string name) =>
            cpu.Seconds.GetValueOrDefault(name) is { } busy && idle.Utilization.GetValueOrDefault(name) is { } rate ? busy - (rate * cpu.WindowSeconds) : null;
        double? PerThousand(double? seconds, long count) => seconds is { } s && count > 0 ? Math.Round(s * 1000 / count, 3) : null;
        var net = cpu.Seconds.Keys.ToDictionary(name => name, name => PerThousand(NetSeconds(name), messages), StringComparer.Ordinal);
        return (net, PerThousand(NetSeconds(CpuMeter.Server), notifications));
    }

    /// <summary>What the sink recorded for the member in the chat (null when the poll failed); counted in the group's polls.</summary>
    private static async Task<IReadOnlyList<SinkNotification>?> PollSinkAsync(PushGroup push, BenchUser member, CancellationToken ct)
    {
        Interlocked.Increment(ref push.Polls);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var all = await push.Sink.LocalNotificationsAsync(member.UserId, timeout.Token);
            return all.Select(n => SinkNotification.Of(n, push.ChatId)).OfType<SinkNotification>().ToArray();
        }
        catch (Exception e) when (e is ChatApiException or HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }
}

/// <summary>The push group: its sender, the members with a device, the sink (polled without a token: nobody's activity) and its poll count.</summary>
internal sealed class PushGroup(BenchUser sender, string chatId, BenchUser[] recipients, long lastMemberCall, ChatClient sink)
{
    public int Polls;

    public BenchUser Sender { get; } = sender;

    public string ChatId { get; } = chatId;

    public BenchUser[] Recipients { get; } = recipients;

    /// <summary>Stopwatch timestamp of the members' last API call (their device registration).</summary>
    public long LastMemberCall { get; } = lastMemberCall;

    public ChatClient Sink { get; } = sink;

    public int? OnlineAtStart { get; set; }
}

/// <summary>What the sink got for the sent messages, per (message, recipient) pair; times in ms from the send start.</summary>
/// <param name="Duplicates">Notifications beyond the first of a pair.</param>
/// <param name="Incomplete">Messages that did not reach every recipient exactly once.</param>
/// <param name="CompletionMs">Send start → the last recipient's notification, per complete message.</param>
/// <param name="SpreadMs">A complete message's first → last notification: the dispatcher's own time.</param>
public sealed record PushTally(
    long Expected, long Notified, long Missing, long Duplicates, long Incomplete, Distribution CompletionMs, Distribution NotificationMs, Distribution SpreadMs)
{
    internal static PushTally Of(BenchUser[] recipients, SendProbe[] ok, IReadOnlyDictionary<int, IReadOnlyList<SinkNotification>> received)
    {
        List<double> single = [], completion = [], spread = [];
        long duplicates = 0, incomplete = 0;
        foreach (var probe in ok)
        {
            var times = recipients
                .Select(u => received.TryGetValue(u.Index, out var list) ? list.Where(n => n.Seq == probe.Seq).Select(n => n.At).Order().ToArray() : [])
                .ToArray();
            var firsts = times.Where(x => x.Length > 0).Select(x => x[0]).ToArray();
            single.AddRange(firsts.Select(at => (at - probe.StartWall).TotalMilliseconds));
            if (firsts.Length == times.Length && firsts.Length > 0)
            {
                completion.Add((firsts.Max() - probe.StartWall).TotalMilliseconds);
                spread.Add((firsts.Max() - firsts.Min()).TotalMilliseconds);
            }

            duplicates += times.Sum(x => Math.Max(0, x.Length - 1));
            incomplete += times.All(x => x.Length == 1) ? 0 : 1;
        }

        var expected = (long)ok.Length * recipients.Length;
        return new PushTally(
            expected, single.Count, expected - single.Count, duplicates, incomplete, Distribution.Of(completion), Distribution.Of(single), Distribution.Of(spread));
    }
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
