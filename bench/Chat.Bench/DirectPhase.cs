namespace Chat.Bench;

using System.Diagnostics;
using Chat.Client;

/// <summary>The real-time phases: direct chats at a fixed offered rate, and one sender's fan-out to a group.</summary>
public sealed partial class BenchRun
{
    private const string DirectText = "the quick brown fox jumps over the lazy dog";

    /// <summary>The direct chats, the idle baseline, the warm-up and the measured run.</summary>
    private async Task RunDirectPhaseAsync(int direct, CancellationToken ct)
    {
        await OpenDirectChatsAsync(direct, ct);
        await SettleAsync("after setup", ct);
        say("idle CPU baseline: 3 s...");
        report.IdleCpu = await SampleCpuAsync(TimeSpan.FromSeconds(3), ct);
        if (options.WarmupSeconds > 0)
        {
            say($"warm-up: {options.WarmupSeconds:F0} s at {options.Rate} msg/s (not measured)");
            report.Warmup = await RunDirectAsync("w", options.WarmupSeconds, ct);
            say($"warm-up: {report.Warmup.Sends.Sent} sent, p50 {Fmt(report.Warmup.LatencyMs.P50)} ms");
            await SettleAsync("after warm-up", ct);
        }

        say($"direct: {options.Seconds:F0} s at {options.Rate} msg/s over {direct / 2} chats");
        var profile = StartProfile();
        report.Direct = await RunDirectAsync("d", options.Seconds, ct);
        report.Profile = profile is null ? null : await profile.FinishAsync(Note, ct);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>With --profile, perf on the server over the measured run's sends (its data in the temp folder).</summary>
    private HostProfile? StartProfile()
    {
        if (!options.Profile)
        {
            return null;
        }

        if (report.Server.ServerPid is not { } pid)
        {
            Note("--profile: the server's pid is unknown; no profile taken.");
            return null;
        }

        if (!options.StartHost)
        {
            Note("--profile: a host the bench did not start names its JIT-compiled code only if it runs with DOTNET_PerfMapEnabled=1 and DOTNET_EnableWriteXorExecute=0.");
        }

        var file = Path.Combine(Path.GetTempPath(), $"chat-bench-{runTag}.perf");
        return HostProfile.Start(pid, options.Seconds, file, Note);
    }

    /// <summary>Users 2k and 2k+1 share a direct chat; it is ready once both got its `chat` event.</summary>
    private async Task OpenDirectChatsAsync(int count, CancellationToken ct)
    {
        var pairs = Enumerable.Range(0, count / 2).Select(k => (A: users[2 * k], B: users[(2 * k) + 1])).Where(p => p.A.Ready && p.B.Ready).ToArray();
        say($"opening {pairs.Length} direct chats...");
        var clock = Stopwatch.StartNew();
        await ForEachSetupAsync(pairs, "open-direct", async (pair, token) =>
        {
            var chat = await Retry503Async(t => pair.A.Client.OpenDirectAsync(pair.B.UserId, t), token);
            (pair.A.DirectChatId, pair.B.DirectChatId) = (chat.ChatId, chat.ChatId);
            (pair.A.Partner, pair.B.Partner) = (pair.B, pair.A);
        }, ct);

        var members = users.Where(u => u.DirectChatId is not null).ToArray();
        var ready = await WaitAsync(() => members.Count(u => router.SawChat(u.DirectChatId!, u.Index)), members.Length, TimeSpan.FromSeconds(15), ct);
        report.Setup.DirectChats = members.Length / 2;
        report.Setup.DirectMembersReady = (int)ready;
        report.Setup.DirectChatsSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        if (ready < members.Length)
        {
            Note($"Only {ready} of {members.Length} direct-chat members got the chat's `chat` event within 15 s (their messages may be lost).");
        }
    }

    /// <summary>Senders take turns at the offered rate; latency = send start → the partner's `message` event.</summary>
    private async Task<DirectResult> RunDirectAsync(string phase, double seconds, CancellationToken ct)
    {
        await RefreshStaleTokensAsync(ct);
        var senders = users.Where(u => u.Ready && u.DirectChatId is not null && u.Partner is { Ready: true }).ToArray();
        if (senders.Length == 0)
        {
            throw new InvalidOperationException("No direct chat is ready.");
        }

        return await RunPairsAsync(phase, seconds, i =>
        {
            var sender = senders[i % senders.Length];
            return (new DirectProbe(sender.Partner!.Index), ChatSend(sender, sender.DirectChatId!, $"bench {i}: {DirectText}"));
        }, ct);
    }

    /// <summary>Sends at the offered rate for <paramref name="seconds"/>, message i as <paramref name="next"/> says; once
    /// every sent message arrived (or the loss wait is over): what the series delivered, how fast, at what CPU.</summary>
    private async Task<DirectResult> RunPairsAsync(string phase, double seconds, Func<long, (DirectProbe Probe, SendCall Send)> next, CancellationToken ct)
    {
        var total = Math.Max(1, (long)Math.Round(options.Rate * seconds));
        var duplicatesBefore = router.Duplicates;
        var cpuBefore = meter.Take();
        var series = await SendSeriesAsync(phase, total, options.Rate, next, ct);
        var ok = series.Ok;
        await WaitAsync(() => ok.Count(p => p.Delivered), ok.Length, TimeSpan.FromSeconds(options.LossWaitSeconds), ct);
        var cpuAfter = meter.Take();
        router.Forget();
        var delivered = ok.Where(p => p.Delivered).ToArray();
        return new DirectResult(
            options.Rate, seconds, series.Counts(), delivered.Length, ok.Length - delivered.Length, router.Duplicates - duplicatesBefore,
            Distribution.Of(delivered.Select(p => Ms(p.Start, p.Received))), CpuMeter.Between(cpuBefore, cpuAfter, ok.Length, delivered.Length));
    }

    /// <summary>User 0 sends to a group of users 0..size-1; fan-out = send start → the last recipient's event.</summary>
    private async Task<GroupResult> RunGroupAsync(int size, CancellationToken ct)
    {
        await RefreshStaleTokensAsync(ct);
        var sender = users[0];
        var (chatId, recipients) = await CreateBenchGroupAsync(size, ct);
        var duplicatesBefore = router.Duplicates;
        say($"group: {options.GroupMessages} messages at {options.GroupRate} msg/s to {recipients.Length} recipients");
        var cpuBefore = meter.Take();
        var series = await SendSeriesAsync("g", options.GroupMessages, options.GroupRate,
            i => (new GroupProbe(size), ChatSend(sender, chatId, $"group bench {i}: hello everyone")), ct);

        var ok = series.Ok;
        var expected = (long)ok.Length * recipients.Length;
        await WaitAsync(() => ok.Sum(p => (long)Volatile.Read(ref p.Count)), expected, TimeSpan.FromSeconds(options.LossWaitSeconds), ct);
        var cpuAfter = meter.Take();
        router.Forget();
        var complete = ok.Where(p => recipients.All(r => p.Received[r] != 0)).ToArray();
        var deliveries = ok.SelectMany(p => recipients.Where(r => p.Received[r] != 0).Select(r => Ms(p.Start, p.Received[r]))).ToArray();
        return new GroupResult(
            size, recipients.Length, options.GroupRate, series.Counts(), expected, deliveries.Length, expected - deliveries.Length,
            ok.Length - complete.Length, router.Duplicates - duplicatesBefore,
            Distribution.Of(complete.Select(p => Ms(p.Start, recipients.Max(r => p.Received[r])))), Distribution.Of(deliveries),
            CpuMeter.Between(cpuBefore, cpuAfter, ok.Length, deliveries.Length));
    }

    /// <summary>The group of users 0..size-1 (user 0 the admin and sender), once its members got its `chat` event; the recipients' indexes.</summary>
    private async Task<(string ChatId, int[] Recipients)> CreateBenchGroupAsync(int size, CancellationToken ct)
    {
        var members = users.Take(size).ToArray();
        var sender = members[0];
        if (!sender.Ready)
        {
            throw new InvalidOperationException("The group's sender (user 0) is not set up.");
        }

        say($"creating a group of {size} members...");
        var chat = await Retry503Async(t => sender.Client.CreateGroupAsync($"bench {runTag}", members.Skip(1).Where(u => u.SignedIn).Select(u => u.UserId), t), ct);
        var listening = members.Skip(1).Where(u => u.Ready).ToArray();
        var ready = await WaitAsync(() => listening.Count(u => router.SawChat(chat.ChatId, u.Index)), listening.Length, TimeSpan.FromSeconds(20), ct);
        if (ready < listening.Length)
        {
            Note($"Only {ready} of {listening.Length} group recipients got the group's `chat` event within 20 s.");
        }

        await SettleAsync("after group creation", ct);
        return (chat.ChatId, listening.Select(u => u.Index).ToArray());
    }
}
