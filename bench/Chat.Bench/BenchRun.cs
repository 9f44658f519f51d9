namespace Chat.Bench;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Chat.Client;

/// <summary>The phases of one run against a healthy backend: users, direct chats, group.</summary>
public sealed partial class BenchRun(BenchOptions options, HttpClient http, CpuMeter meter, BenchReport report, Action<string> say) : IAsyncDisposable
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TokenMaxAge = TimeSpan.FromMinutes(10);
    private readonly EventRouter router = new();
    private readonly List<BenchUser> users = [];
    private readonly string runTag = Random.Shared.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture);
    private Pacer? authPacer;
    private int retries;

    public async Task ExecuteAsync(CancellationToken ct)
    {
        var direct = options.SkipDirect ? 0 : options.Users - (options.Users % 2);
        var group = options.SkipGroup ? 0 : options.GroupSize;
        var push = options.SkipPush ? 0 : options.PushSize;
        var costs = options.Costs ? CostUsers : options.Concurrent ? ConcurrentSenders : 0;
        var count = Math.Max(Math.Max(direct, costs), Math.Max(group, push));
        if (count < 2)
        {
            report.Notes.Add("Nothing to do: every phase skipped.");
            return;
        }

        PaceForDefaultLimits(direct);
        await SetUpUsersAsync(count, ct);
        if (options.Costs)
        {
            say($"costs: {options.CostCalls} calls of each operation, Cosmos requests from /_local/metrics");
            report.Costs = await RunCostsAsync(ct);
        }

        if (options.Concurrent)
        {
            report.Concurrent = await RunConcurrentSendersAsync(ct);
        }

        if (direct > 0)
        {
            await RunDirectPhaseAsync(direct, ct);
        }

        if (group > 0)
        {
            ct.ThrowIfCancellationRequested();
            await RefreshStaleTokensAsync(ct);
            report.Group = await RunGroupAsync(group, ct);
        }

        if (push > 0)
        {
            ct.ThrowIfCancellationRequested();
            report.Push = await RunPushAsync(push, ct);
        }
    }

    /// <summary>Stays within the default limits (600 auth requests a minute per IP, 50 messages per 10 s per user) when they may apply.</summary>
    private void PaceForDefaultLimits(int direct)
    {
        if (options.LimitsKnownRaised)
        {
            return;
        }

        authPacer = new Pacer(9);
        Note("The host was not started by the bench: auth calls are paced at 9/s to stay under the default 600 a minute per IP " +
             "(start the host with Limits__AuthRequestsPerMinutePerIp=100000 and Limits__MessagesPerWindow=100000 and pass --limits-raised, or use --start-host).");
        var perUser = direct > 0 ? options.Rate / direct * 10 : 0;
        if (perUser > 45 || options.GroupRate * 10 > 45)
        {
            Note($"With the default limit of 50 messages per 10 s per user, this run ({perUser:F1} per user per 10 s in direct chats, " +
                 $"{options.GroupRate * 10:F0} per 10 s for the group sender) may get 429s: raise Limits__MessagesPerWindow on the host.");
        }
    }

    /// <summary>The direct chats, the idle baseline, the warm-up and the measured run.</summary>
    private async Task RunDirectPhaseAsync(int direct, CancellationToken ct)
    {
        await OpenDirectChatsAsync(direct, ct);
        await SettleAsync("after setup", ct);
        report.IdleCpu = await IdleCpuAsync(ct);
        if (options.WarmupSeconds > 0)
        {
            say($"warm-up: {options.WarmupSeconds:F0} s at {options.Rate} msg/s (not measured)");
            report.Warmup = await RunDirectAsync("w", options.WarmupSeconds, ct);
            say($"warm-up: {report.Warmup.Sent} sent, p50 {Fmt(report.Warmup.LatencyMs.P50)} ms");
            await SettleAsync("after warm-up", ct);
        }

        say($"direct: {options.Seconds:F0} s at {options.Rate} msg/s over {direct / 2} chats");
        report.Direct = await RunDirectAsync("d", options.Seconds, ct);
        ct.ThrowIfCancellationRequested();
    }

    // ---------------------------------------------------------------- users

    private async Task SetUpUsersAsync(int count, CancellationToken ct)
    {
        report.Setup.UsersWanted = count;
        var password = "bench-password-" + runTag;
        var candidates = Enumerable.Range(0, count)
            .Select(i => new BenchUser(i, $"+1999{runTag}{i.ToString("D4", CultureInfo.InvariantCulture)}", password, new ChatClient(http)))
            .ToArray();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct };

        await RegisterAllAsync(candidates, parallel);
        var signedIn = candidates.Where(u => u.Client.Tokens is not null).ToArray();
        if (signedIn.Length == 0)
        {
            throw new InvalidOperationException("No user could register and sign in; see setup errors.");
        }

        await ConnectAllAsync(signedIn, parallel, ct);

        // Keep the indexes stable (group slots are user indexes); unready users are skipped later.
        users.AddRange(candidates);
        report.Setup.UsersReady = users.Count(u => u.Ready);
        report.Setup.UsersFailed = count - report.Setup.UsersReady;
        report.Setup.Retries = retries;
        if (report.Setup.UsersFailed > 0)
        {
            Note($"{report.Setup.UsersFailed} of {count} users could not be set up; they take no part.");
        }
    }

    private async Task RegisterAllAsync(BenchUser[] candidates, ParallelOptions parallel)
    {
        var count = candidates.Length;
        say($"registering {count} users (register, SMS code, verify, login; {options.SetupConcurrency} at a time)...");
        var clock = Stopwatch.StartNew();
        var done = 0;
        await Parallel.ForEachAsync(candidates, parallel, async (user, token) =>
        {
            try
            {
                await RegisterAsync(user, token);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                SetupError("register", e);
            }

            var n = Interlocked.Increment(ref done);
            if (n % Math.Max(1, count / 10) == 0 || n == count)
            {
                say($"  {n}/{count} registered ({clock.Elapsed.TotalSeconds:F0} s)");
            }
        });
        report.Setup.RegisterSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
    }

    private async Task ConnectAllAsync(BenchUser[] signedIn, ParallelOptions parallel, CancellationToken ct)
    {
        // Every address the client is sent to must stay on this machine.
        var negotiate = await signedIn[0].Client.NegotiateAsync(ct);
        if (!Uri.TryCreate(negotiate.Url, UriKind.Absolute, out var hub) || !hub.IsLoopback)
        {
            throw new InvalidOperationException($"The negotiate answer points at {negotiate.Url}, not 127.0.0.1: refusing to connect.");
        }

        say($"connecting {signedIn.Length} real-time connections ({hub.GetLeftPart(UriPartial.Path)})...");
        var clock = Stopwatch.StartNew();
        var done = 0;
        await Parallel.ForEachAsync(signedIn, parallel, async (user, token) =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                user.Realtime = await ChatRealtime.ConnectAsync(user.Client, ct: timeout.Token);
                router.Attach(user);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                SetupError("connect", e);
            }

            var n = Interlocked.Increment(ref done);
            if (n % Math.Max(1, signedIn.Length / 4) == 0 || n == signedIn.Length)
            {
                say($"  {n}/{signedIn.Length} connected ({clock.Elapsed.TotalSeconds:F0} s)");
            }
        });
        report.Setup.ConnectSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
    }

    private async Task RegisterAsync(BenchUser user, CancellationToken ct)
    {
        var registration = await AuthCallAsync(t => user.Client.RegisterAsync(user.PhoneNumber, $"Bench {user.Index}", user.Password, t), ct);
        string? code = null;
        for (var attempt = 0; attempt < 50 && code is null; attempt++)
        {
            var sms = await user.Client.LocalSmsAsync(user.PhoneNumber, ct);
            code = sms.Count > 0 && CodePattern().Match(sms[^1].Text) is { Success: true } m ? m.Groups[1].Value : null;
            if (code is null)
            {
                await Task.Delay(100, ct);
            }
        }

        if (code is null)
        {
            throw new TimeoutException($"No verification SMS for {user.PhoneNumber} (is this the local host? /_local/sms exists only there).");
        }

        await AuthCallAsync(t => user.Client.VerifyAsync(user.PhoneNumber, code, registration.RegistrationId, t), ct);
        await AuthCallAsync(t => user.Client.LoginAsync(user.PhoneNumber, user.Password, t), ct);
        user.TokensAt = Stopwatch.GetTimestamp();
    }

    private async Task RefreshStaleTokensAsync(CancellationToken ct)
    {
        var stale = users.Where(u => u.Ready && Stopwatch.GetElapsedTime(u.TokensAt) > TokenMaxAge).ToArray();
        if (stale.Length == 0)
        {
            return;
        }

        say($"refreshing the tokens of {stale.Length} users...");
        await Parallel.ForEachAsync(stale, new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct }, async (user, token) =>
        {
            try
            {
                await AuthCallAsync(t => user.Client.RefreshAsync(ct: t), token);
                user.TokensAt = Stopwatch.GetTimestamp();
            }
            catch (Exception e) when (e is ChatApiException or HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                SetupError("refresh", e);
            }
        });
    }

    /// <summary>An auth call: paced when the limits are the defaults; 429/503 retried after Retry-After (5 tries).</summary>
    private async Task<T> AuthCallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (authPacer is not null)
            {
                await authPacer.WaitAsync(ct);
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                return await call(timeout.Token);
            }
            catch (ChatApiException e) when (e.Status is 429 or 503 && attempt < 5)
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(Clamp(e.RetryAfter ?? TimeSpan.FromSeconds(1), 0.2, 30), ct);
            }
            catch (HttpRequestException) when (attempt < 5)
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    // ---------------------------------------------------------------- direct chats

    private async Task OpenDirectChatsAsync(int count, CancellationToken ct)
    {
        var pairs = Enumerable.Range(0, count / 2).Select(k => (A: users[2 * k], B: users[(2 * k) + 1])).Where(p => p.A.Ready && p.B.Ready).ToArray();
        say($"opening {pairs.Length} direct chats...");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(pairs, new ParallelOptions { MaxDegreeOfParallelism = options.SetupConcurrency, CancellationToken = ct }, async (pair, token) =>
        {
            try
            {
                var chat = await Retry503Async(t => pair.A.Client.OpenDirectAsync(pair.B.UserId, t), token);
                (pair.A.DirectChatId, pair.B.DirectChatId) = (chat.ChatId, chat.ChatId);
                (pair.A.Partner, pair.B.Partner) = (pair.B, pair.A);
            }
            catch (Exception e) when (e is ChatApiException or HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                SetupError("open-direct", e);
            }
        });

        var members = users.Where(u => u.DirectChatId is not null).ToArray();
        var ready = await WaitAsync(() => members.Count(u => router.SawChat(u.DirectChatId!, u.Index)), members.Length, TimeSpan.FromSeconds(15), ct);
        report.Setup.DirectChats = members.Length / 2;
        report.Setup.DirectMembersReady = ready;
        report.Setup.DirectChatsSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        if (ready < members.Length)
        {
            Note($"Only {ready} of {members.Length} direct-chat members got the chat's `chat` event within 15 s (their messages may be lost).");
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
            var before = meter.Take();
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            last = CpuMeter.Between(before, meter.Take(), 0, 0).Utilization.GetValueOrDefault(CpuMeter.Server);
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

    private async Task<CpuUsage> IdleCpuAsync(CancellationToken ct)
    {
        say("idle CPU baseline: 3 s...");
        var before = meter.Take();
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        return CpuMeter.Between(before, meter.Take(), 0, 0);
    }

    private async Task<DirectResult> RunDirectAsync(string phase, double seconds, CancellationToken ct)
    {
        await RefreshStaleTokensAsync(ct);
        var senders = users.Where(u => u.Ready && u.DirectChatId is not null && u.Partner is { Ready: true }).ToArray();
        if (senders.Length == 0)
        {
            throw new InvalidOperationException("No direct chat is ready.");
        }

        var total = Math.Max(1, (long)Math.Round(options.Rate * seconds));
        var probes = new DirectProbe[total];
        var ids = new string[total];
        var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var duplicatesBefore = router.Duplicates;
        var cpuBefore = meter.Take();
        var pacing = await OpenLoop.RunAsync(total, options.Rate, options.MaxInFlight, async (i, start) =>
        {
            var sender = senders[i % senders.Length];
            var id = $"bench-{runTag}-{phase}-{i.ToString(CultureInfo.InvariantCulture)}";
            var probe = new DirectProbe(sender.Partner!.Index) { Start = start };
            (probes[i], ids[i]) = (probe, id);
            router.Track(id, probe);
            var outcome = await SendOnceAsync(sender, sender.DirectChatId!, id, $"bench {i}: the quick brown fox jumps over the lazy dog", ct);
            probe.SendEnd = Stopwatch.GetTimestamp();
            Volatile.Write(ref probe.Outcome, outcome is null ? DirectProbe.Ok : DirectProbe.Failed);
            if (outcome is not null)
            {
                errors.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
        }, ct);

        var sendsDone = Stopwatch.GetTimestamp();
        var ok = probes.Where(p => p is { Outcome: DirectProbe.Ok }).ToArray();
        await WaitAsync(() => ok.Count(p => Interlocked.Read(ref p.Received) != 0), ok.Length, TimeSpan.FromSeconds(options.LossWaitSeconds), ct);
        var cpuAfter = meter.Take();
        router.Forget();
        var result = SummarizeDirect(seconds, probes, pacing, errors, router.Duplicates - duplicatesBefore, sendsDone);
        result.Cpu = CpuMeter.Between(cpuBefore, cpuAfter, result.Sent, result.Delivered);
        return result;
    }

    private DirectResult SummarizeDirect(double seconds, DirectProbe[] probes, PacingResult pacing, ConcurrentDictionary<string, long> errors, long duplicates, long sendsDone)
    {
        var launched = probes.Where(p => p is not null).ToArray();
        var ok = launched.Where(p => p.Outcome == DirectProbe.Ok).ToArray();
        var delivered = ok.Where(p => Interlocked.Read(ref p.Received) != 0).ToArray();
        var lastSendEnd = launched.Length > 0 ? launched.Max(p => p.SendEnd) : sendsDone;
        var window = Stopwatch.GetElapsedTime(pacing.StartTimestamp, lastSendEnd).TotalSeconds;
        return new DirectResult
        {
            OfferedRate = options.Rate,
            ScheduledSeconds = seconds,
            Scheduled = probes.Length,
            Attempted = pacing.Launched,
            SkippedAtInFlightBound = pacing.Skipped,
            Sent = ok.Length,
            Failed = launched.Length - ok.Length,
            ErrorsByStatus = new Dictionary<string, long>(errors, StringComparer.Ordinal),
            Delivered = delivered.Length,
            Lost = ok.Length - delivered.Length,
            DeliveredDespiteSendError = launched.Count(p => p.Outcome == DirectProbe.Failed && p.Received != 0),
            DuplicateEvents = duplicates,
            SendWindowSeconds = Math.Round(window, 2),
            AchievedRate = window > 0 ? Math.Round(ok.Length / window, 2) : 0,
            MaxScheduleLagMs = pacing.MaxLagMs,
            MaxInFlightSeen = pacing.MaxInFlight,
            LatencyMs = Distribution.Of(delivered.Select(p => Ms(p.Start, p.Received))),
            SendCallMs = Distribution.Of(ok.Select(p => Ms(p.Start, p.SendEnd))),
        };
    }

    /// <summary>One send; null on success, else the error class (HTTP status, timeout, network).</summary>
    private static async Task<string?> SendOnceAsync(BenchUser sender, string chatId, string clientMessageId, string text, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(SendTimeout);
            await sender.Client.SendAsync(chatId, new SendMessage(clientMessageId, "text", text), timeout.Token);
            return null;
        }
        catch (ChatApiException e)
        {
            return e.Status.ToString(CultureInfo.InvariantCulture);
        }
        catch (OperationCanceledException)
        {
            return ct.IsCancellationRequested ? "cancelled" : "timeout";
        }
        catch (HttpRequestException)
        {
            return "network";
        }
    }

    // ---------------------------------------------------------------- group

    private async Task<GroupResult> RunGroupAsync(int size, CancellationToken ct)
    {
        var sender = users[0];
        var (chatId, recipients) = await CreateBenchGroupAsync(size, ct);
        var total = (long)options.GroupMessages;
        var probes = new GroupProbe[total];
        var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var duplicatesBefore = router.Duplicates;
        say($"group: {total} messages at {options.GroupRate} msg/s to {recipients.Length} recipients");
        var cpuBefore = meter.Take();
        var pacing = await OpenLoop.RunAsync(total, options.GroupRate, options.MaxInFlight, async (i, start) =>
        {
            var id = $"bench-{runTag}-g-{i.ToString(CultureInfo.InvariantCulture)}";
            var probe = new GroupProbe(size) { Start = start };
            probes[i] = probe;
            router.Track(id, probe);
            var outcome = await SendOnceAsync(sender, chatId, id, $"group bench {i}: hello everyone", ct);
            probe.SendEnd = Stopwatch.GetTimestamp();
            Volatile.Write(ref probe.Outcome, outcome is null ? DirectProbe.Ok : DirectProbe.Failed);
            if (outcome is not null)
            {
                errors.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
        }, ct);

        var ok = probes.Where(p => p is { Outcome: DirectProbe.Ok }).ToArray();
        var expected = (long)ok.Length * recipients.Length;
        await WaitAsync(() => ok.Sum(p => (long)Volatile.Read(ref p.Count)), expected, TimeSpan.FromSeconds(options.LossWaitSeconds), ct);
        var cpu = meter.Take();
        router.Forget();
        var result = SummarizeGroup(size, recipients, probes, pacing, errors, router.Duplicates - duplicatesBefore);
        result.Cpu = CpuMeter.Between(cpuBefore, cpu, result.Sent, result.Deliveries);
        return result;
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
        var clock = Stopwatch.StartNew();
        var chat = await Retry503Async(t => sender.Client.CreateGroupAsync($"bench {runTag}", members.Skip(1).Where(u => u.Client.Tokens is not null).Select(u => u.UserId), t), ct);
        var listening = members.Skip(1).Where(u => u.Ready).ToArray();
        var ready = await WaitAsync(() => listening.Count(u => router.SawChat(chat.ChatId, u.Index)), listening.Length, TimeSpan.FromSeconds(20), ct);
        report.Setup.GroupMembersReady = ready;
        report.Setup.GroupCreateSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        if (ready < listening.Length)
        {
            Note($"Only {ready} of {listening.Length} group recipients got the group's `chat` event within 20 s.");
        }

        await SettleAsync("after group creation", ct);
        return (chat.ChatId, listening.Select(u => u.Index).ToArray());
    }

    private GroupResult SummarizeGroup(int size, int[] recipients, GroupProbe[] probes, PacingResult pacing, ConcurrentDictionary<string, long> errors, long duplicates)
    {
        var launched = probes.Where(p => p is not null).ToArray();
        var ok = launched.Where(p => p.Outcome == DirectProbe.Ok).ToArray();
        var expected = (long)ok.Length * recipients.Length;
        var complete = ok.Where(p => recipients.All(r => p.Received[r] != 0)).ToArray();
        var deliveries = ok.Sum(p => (long)recipients.Count(r => p.Received[r] != 0));
        var lastSendEnd = launched.Length > 0 ? launched.Max(p => p.SendEnd) : Stopwatch.GetTimestamp();
        var window = Stopwatch.GetElapsedTime(pacing.StartTimestamp, lastSendEnd).TotalSeconds;
        return new GroupResult
        {
            Members = size,
            Recipients = recipients.Length,
            OfferedRate = options.GroupRate,
            Scheduled = probes.Length,
            Sent = ok.Length,
            Failed = launched.Length - ok.Length,
            ErrorsByStatus = new Dictionary<string, long>(errors, StringComparer.Ordinal),
            ExpectedDeliveries = expected,
            Deliveries = deliveries,
            LostDeliveries = expected - deliveries,
            MessagesIncomplete = ok.Length - complete.Length,
            DuplicateEvents = duplicates,
            AchievedRate = window > 0 ? Math.Round(ok.Length / window, 2) : 0,
            FanOutMs = Distribution.Of(complete.Select(p => Ms(p.Start, recipients.Max(r => p.Received[r])))),
            DeliveryMs = Distribution.Of(ok.SelectMany(p => recipients.Where(r => p.Received[r] != 0).Select(r => Ms(p.Start, p.Received[r])))),
            SendCallMs = Distribution.Of(ok.Select(p => Ms(p.Start, p.SendEnd))),
        };
    }

    // ---------------------------------------------------------------- helpers

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
    private static async Task<int> WaitAsync(Func<long> progress, long target, TimeSpan limit, CancellationToken ct)
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

        return (int)Math.Min(value, int.MaxValue);
    }

    private static async Task<int> WaitAsync(Func<int> progress, int target, TimeSpan limit, CancellationToken ct) =>
        await WaitAsync(() => (long)progress(), target, limit, ct);

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static TimeSpan Clamp(TimeSpan value, double minSeconds, double maxSeconds) =>
        TimeSpan.FromSeconds(Math.Clamp(value.TotalSeconds, minSeconds, maxSeconds));

    private static string Fmt(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";

    private void SetupError(string step, Exception e)
    {
        var key = step + ":" + (e is ChatApiException api ? api.Status.ToString(CultureInfo.InvariantCulture) : e.GetType().Name);
        lock (report.Setup.Errors)
        {
            var first = !report.Setup.Errors.ContainsKey(key);
            report.Setup.Errors[key] = report.Setup.Errors.GetValueOrDefault(key) + 1;
            if (first)
            {
                say($"  {step} failed: {e.Message}");
            }
        }
    }

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
            await Parallel.ForEachAsync(users.Where(u => u.Realtime is not null), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = timeout.Token }, async (user, _) =>
            {
                try
                {
                    await user.Realtime!.DisposeAsync();
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
                {
                    // the server may be gone already
                }
            });
        }
        catch (OperationCanceledException)
        {
            say("some real-time connections did not close within 30 s");
        }
    }

    [GeneratedRegex(@"code is (\d+)")]
    private static partial Regex CodePattern();
}

/// <summary>Spaces calls evenly: at most <c>perSecond</c> a second across all callers.</summary>
public sealed class Pacer(double perSecond)
{
    private readonly Lock gate = new();
    private readonly long interval = (long)(Stopwatch.Frequency / perSecond);
    private long next;

    public async Task WaitAsync(CancellationToken ct)
    {
        long wait;
        lock (gate)
        {
            var now = Stopwatch.GetTimestamp();
            var slot = Math.Max(now, next);
            next = slot + interval;
            wait = slot - now;
        }

        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), ct);
        }
    }
}
