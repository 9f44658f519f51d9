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
        var sender = members[0];
        if (sender.Client.Tokens is null)
        {
            throw new InvalidOperationException("The push group's sender (user 0) is not set up.");
        }

        await RefreshStaleTokensAsync(ct);
        var others = members.Skip(1).Where(u => u.Client.Tokens is not null).ToArray();
        say($"push: creating a group of {others.Length + 1} members...");
        var clock = Stopwatch.StartNew();
        var chat = await Retry503Async(t => sender.Client.CreateGroupAsync($"bench push {runTag}", others.Select(u => u.UserId), t), ct);
        report.Setup.PushGroupCreateSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);

        // One fcm device per member: PUT /api/devices is an authenticated call, i.e. their last activity.
        say($"push: registering one fcm device for each of {others.Length} members...");
        clock.Restart();
        var registered = new ConcurrentBag<BenchUser>();
        var installationId = $"bench-{runTag}";
        await Parallel.ForEachAsync(others, new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct }, async (user, token) =>
        {
            try
            {
                await Retry503Async(
                    async t =>
                    {
                        await user.Client.RegisterDeviceAsync(installationId, "fcm", $"bench-fcm-token-{runTag}-{user.Index.ToString(CultureInfo.InvariantCulture)}", t);
                        return true;
                    },
                    token);
                registered.Add(user);
            }
            catch (Exception e) when (e is ChatApiException or HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                SetupError("register-device", e);
            }
        });
        var lastMemberCall = Stopwatch.GetTimestamp();
        var recipients = registered.OrderBy(u => u.Index).ToArray();
        report.Setup.PushDevicesRegistered = recipients.Length;
        report.Setup.PushDevicesSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        if (recipients.Length == 0)
        {
            throw new InvalidOperationException("No push device could be registered; see setup errors.");
        }

        // An offline member has no app open: close their real-time connections (closing calls no API,
        // and an open connection would not count as activity either; this keeps the host's real-time
        // fan-out out of the phase's CPU). The sender keeps its connection and keeps sending.
        await CloseConnectionsAsync(members.Skip(1), ct);

        // The silence: let the server settle, then sample its idle CPU until the members are offline.
        var offlineAt = lastMemberCall + (long)(options.PushOfflineWaitSeconds * Stopwatch.Frequency);
        say($"push: members silent for {options.PushOfflineWaitSeconds:F0} s so that they are offline (no activity for 60 s)...");
        await SettleAsync("before push", ct);
        var idleBefore = meter.Take();
        var remaining = TimeSpan.FromSeconds((offlineAt - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        await Task.Delay(remaining > MinIdleSample ? remaining : MinIdleSample, ct);
        var idle = CpuMeter.Between(idleBefore, meter.Take(), 0, 0);

        // Check through the sender (its own call): every recipient should be offline now.
        int? onlineAtStart = null;
        try
        {
            var presence = await sender.Client.GetPresenceAsync(recipients.Select(u => u.UserId), ct);
            onlineAtStart = presence.Count(p => p.Online);
            if (onlineAtStart > 0)
            {
                Note($"{onlineAtStart} of {recipients.Length} push recipients were still online when the sends started: they get no notification.");
            }
        }
        catch (ChatApiException e)
        {
            Note($"The presence check before the push sends failed ({e.Message}).");
        }

        var sink = new ChatClient(http); // no token: polling the sink is nobody's activity (and not an API call)
        var polls = 0;

        // Warm-up: the first pushes run code no earlier phase ran (the dispatcher's hub sends, the sink,
        // their JSON and HTTP clients) and pay for its JIT; not measured, and their seqs are left out.
        var warmupSeqs = new HashSet<long>();
        if (options.PushWarmup > 0)
        {
            say($"push warm-up: {options.PushWarmup} messages, one every {options.PushIntervalSeconds} s (not measured)");
            var warm = await SendSeriesAsync(sender, chat.ChatId, "pw", options.PushWarmup, new ConcurrentDictionary<string, long>(StringComparer.Ordinal), ct);
            warmupSeqs.UnionWith(warm.Where(p => p.Outcome == DirectProbe.Ok).Select(p => p.Seq));
            if (warmupSeqs.Count > 0)
            {
                var until = Stopwatch.GetTimestamp() + (long)(options.PushWaitSeconds * Stopwatch.Frequency);
                var lastWarm = warmupSeqs.Max();
                while (Stopwatch.GetTimestamp() < until)
                {
                    await Task.Delay(SinkPollInterval, ct);
                    polls++;
                    if ((await PollSinkAsync(sink, recipients[0], chat.ChatId, ct))?.Any(n => n.Seq == lastWarm) == true)
                    {
                        break;
                    }
                }
            }

            await SettleAsync("after push warm-up", ct);
        }

        var silence = Stopwatch.GetElapsedTime(lastMemberCall).TotalSeconds;
        var total = (long)options.PushMessages;
        var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        say($"push: {total} messages, one every {options.PushIntervalSeconds} s, to {recipients.Length} offline members (collapse window {options.EffectiveCollapseWindowSeconds} s)");
        var cpuBefore = meter.Take();
        var probes = new PushProbe[total];
        var sending = SendSeriesAsync(sender, chat.ChatId, "p", total, errors, ct, probes);

        // Poll sparingly while sending: one member a second, until one has the last message's notification.
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

            var member = recipients[next++ % recipients.Length];
            var seen = await PollSinkAsync(sink, member, chat.ChatId, ct);
            polls++;
            if (Stopwatch.GetElapsedTime(lastSay) > TimeSpan.FromSeconds(15))
            {
                lastSay = Stopwatch.GetTimestamp();
                say($"  push: {probes.Count(p => p is not null)}/{total} sent; member {member.Index} has {seen?.Count.ToString(CultureInfo.InvariantCulture) ?? "?"} notifications");
            }

            if (sending.IsCompleted && (lastSeq == 0 || seen?.Any(n => n.Seq == lastSeq) == true || Stopwatch.GetTimestamp() > deadline))
            {
                break;
            }
        }

        await sending;
        ct.ThrowIfCancellationRequested();

        // The other batches of the last message follow within milliseconds; then stop the CPU window
        // (the full poll below is the bench's, not the push's).
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var cpuAfter = meter.Take();

        var launched = probes.Where(p => p is not null).ToArray();
        var ok = launched.Where(p => p.Outcome == DirectProbe.Ok).ToArray();
        var received = new ConcurrentDictionary<int, IReadOnlyList<SinkNotification>>();
        var wanted = recipients;
        while (true)
        {
            await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct }, async (user, token) =>
            {
                if (await PollSinkAsync(sink, user, chat.ChatId, token) is { } list)
                {
                    received[user.Index] = list;
                }

                Interlocked.Increment(ref polls);
            });
            wanted = recipients.Where(u => ok.Any(p => !received.TryGetValue(u.Index, out var list) || !list.Any(n => n.Seq == p.Seq))).ToArray();
            if (wanted.Length == 0 || Stopwatch.GetTimestamp() > deadline || ct.IsCancellationRequested)
            {
                break;
            }

            say($"  push: {wanted.Length} members miss a notification; polling them again in 2 s");
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }

        return Summarize(recipients, ok, launched, received, warmupSeqs, errors, polls, onlineAtStart, silence, size, total, cpuBefore, cpuAfter, idle);
    }

    private PushResult Summarize(
        BenchUser[] recipients,
        PushProbe[] ok,
        PushProbe[] launched,
        IReadOnlyDictionary<int, IReadOnlyList<SinkNotification>> received,
        HashSet<long> warmupSeqs,
        IReadOnlyDictionary<string, long> errors,
        int polls,
        int? onlineAtStart,
        double silence,
        int size,
        long total,
        CpuSnapshot cpuBefore,
        CpuSnapshot cpuAfter,
        CpuUsage idle)
    {
        var sentSeqs = ok.Select(p => p.Seq).ToHashSet();
        long notified = 0, missing = 0, duplicates = 0;
        var single = new List<double>();
        var completion = new List<double>();
        var spread = new List<double>();
        var incomplete = 0L;
        foreach (var probe in ok)
        {
            var exact = true;
            var everyone = true;
            DateTimeOffset? first = null, last = null;
            foreach (var user in recipients)
            {
                var times = received.TryGetValue(user.Index, out var list) ? list.Where(n => n.Seq == probe.Seq).Select(n => n.At).Order().ToArray() : [];
                if (times.Length == 0)
                {
                    missing++;
                    exact = everyone = false;
                    continue;
                }

                notified++;
                duplicates += times.Length - 1;
                exact &= times.Length == 1;
                single.Add((times[0] - probe.StartWall).TotalMilliseconds);
                last = last is { } l && l > times[0] ? l : times[0];
                first = first is { } f && f < times[0] ? f : times[0];
            }

            if (!exact)
            {
                incomplete++;
            }

            if (everyone && last is { } end && first is { } begin)
            {
                completion.Add((end - probe.StartWall).TotalMilliseconds);
                spread.Add((end - begin).TotalMilliseconds);
            }
        }

        var unexpected = received.Values.Sum(list => list.LongCount(n => !sentSeqs.Contains(n.Seq) && !warmupSeqs.Contains(n.Seq)));
        var lastSendEnd = launched.Length > 0 ? launched.Max(p => p.SendEnd) : Stopwatch.GetTimestamp();
        var firstStart = launched.Length > 0 ? launched.Min(p => p.Start) : lastSendEnd;
        var window = Stopwatch.GetElapsedTime(firstStart, lastSendEnd).TotalSeconds;
        var cpu = CpuMeter.Between(cpuBefore, cpuAfter, ok.Length, notified);

        // Net of idle: the phase sends one message every few seconds, so the idle baseline (timers,
        // queue polling, the SignalR keep-alives) is most of the raw figure.
        var net = new Dictionary<string, double?>(StringComparer.Ordinal);
        double? NetSeconds(string name) =>
            cpu.Seconds.GetValueOrDefault(name) is { } busy && idle.Utilization.GetValueOrDefault(name) is { } rate ? busy - (rate * cpu.WindowSeconds) : null;
        foreach (var name in cpu.Seconds.Keys)
        {
            net[name] = NetSeconds(name) is { } s && ok.Length > 0 ? Math.Round(s * 1000 / ok.Length, 3) : null;
        }

        return new PushResult
        {
            Members = size,
            Recipients = recipients.Length,
            WarmupMessages = warmupSeqs.Count,
            IntervalSeconds = options.PushIntervalSeconds,
            CollapseWindowSeconds = options.EffectiveCollapseWindowSeconds,
            SilenceSeconds = Math.Round(silence, 1),
            OnlineAtStart = onlineAtStart,
            Scheduled = total,
            Sent = ok.Length,
            Failed = launched.Length - ok.Length,
            ErrorsByStatus = new Dictionary<string, long>(errors, StringComparer.Ordinal),
            ExpectedNotifications = (long)ok.Length * recipients.Length,
            Notified = notified,
            Missing = missing,
            Duplicates = duplicates,
            MessagesIncomplete = incomplete,
            Unexpected = unexpected,
            SinkPolls = polls,
            AchievedRate = window > 0 ? Math.Round((ok.Length - 1) / window, 3) : 0,
            CompletionMs = Distribution.Of(completion),
            NotificationMs = Distribution.Of(single),
            SpreadMs = Distribution.Of(spread),
            SendCallMs = Distribution.Of(ok.Select(p => Ms(p.Start, p.SendEnd))),
            Cpu = cpu,
            IdleCpu = idle,
            NetPerThousandMessages = net,
            NetServerPerThousandNotifications = NetSeconds(CpuMeter.Server) is { } server && notified > 0 ? Math.Round(server * 1000 / notified, 3) : null,
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
