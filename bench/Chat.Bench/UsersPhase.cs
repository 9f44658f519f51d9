namespace Chat.Bench;

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Chat.Client;

/// <summary>Setup: users registered through the API (register, SMS code, verify, login), each with a real-time connection.</summary>
public sealed partial class BenchRun
{
    private static readonly TimeSpan TokenMaxAge = TimeSpan.FromMinutes(10);
    private Pacer? authPacer;
    private int retries;

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

    private async Task SetUpUsersAsync(int count, CancellationToken ct)
    {
        report.Setup.UsersWanted = count;
        var password = "bench-password-" + runTag;
        var candidates = Enumerable.Range(0, count)
            .Select(i => new BenchUser(i, $"+1999{runTag}{i.ToString("D4", CultureInfo.InvariantCulture)}", password, new ChatClient(http)))
            .ToArray();

        say($"registering {count} users (register, SMS code, verify, login; {options.SetupConcurrency} at a time)...");
        report.Setup.RegisterSeconds = await TimedSetupAsync(candidates, "register", "registered", 10, RegisterAsync, ct);
        var signedIn = candidates.Where(u => u.SignedIn).ToArray();
        if (signedIn.Length == 0)
        {
            throw new InvalidOperationException("No user could register and sign in; see setup errors.");
        }

        var hub = await CheckedHubAsync(signedIn[0], ct);
        say($"connecting {signedIn.Length} real-time connections ({hub.GetLeftPart(UriPartial.Path)})...");
        report.Setup.ConnectSeconds = await TimedSetupAsync(signedIn, "connect", "connected", 4, ConnectAsync, ct);

        // Keep the indexes stable (group slots are user indexes); unready users are skipped later.
        users.AddRange(candidates);
        report.Setup.UsersReady = users.Count(u => u.Ready);
        report.Setup.Retries = retries;
        if (report.Setup.UsersReady < count)
        {
            Note($"{count - report.Setup.UsersReady} of {count} users could not be set up; they take no part.");
        }
    }

    /// <summary>One setup step for every user, with progress lines (<paramref name="steps"/> of them); the seconds it took.</summary>
    private async Task<double> TimedSetupAsync(
        BenchUser[] all, string step, string done, int steps, Func<BenchUser, CancellationToken, Task> body, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var finished = 0;
        await ForEachSetupAsync(all, step, async (user, token) =>
        {
            try
            {
                await body(user, token);
            }
            finally
            {
                var n = Interlocked.Increment(ref finished);
                if (n % Math.Max(1, all.Length / steps) == 0 || n == all.Length)
                {
                    say($"  {n}/{all.Length} {done} ({clock.Elapsed.TotalSeconds:F0} s)");
                }
            }
        }, ct);
        return Math.Round(clock.Elapsed.TotalSeconds, 1);
    }

    /// <summary>The hub the negotiate answer names; every address the client is sent to must stay on this machine.</summary>
    private static async Task<Uri> CheckedHubAsync(BenchUser user, CancellationToken ct)
    {
        var negotiate = await user.Client.NegotiateAsync(ct);
        return Uri.TryCreate(negotiate.Url, UriKind.Absolute, out var hub) && hub.IsLoopback
            ? hub
            : throw new InvalidOperationException($"The negotiate answer points at {negotiate.Url}, not 127.0.0.1: refusing to connect.");
    }

    private async Task ConnectAsync(BenchUser user, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        user.Realtime = await ChatRealtime.ConnectAsync(user.Client, ct: timeout.Token);
        router.Attach(user);
    }

    private async Task RegisterAsync(BenchUser user, CancellationToken ct)
    {
        var registration = await AuthCallAsync(t => user.Client.RegisterAsync(user.PhoneNumber, $"Bench {user.Index}", user.Password, t), ct);
        var code = await VerificationCodeAsync(user, ct);
        await AuthCallAsync(t => user.Client.VerifyAsync(user.PhoneNumber, code, registration.RegistrationId, t), ct);
        await AuthCallAsync(t => user.Client.LoginAsync(user.PhoneNumber, user.Password, t), ct);
        user.TokensAt = Stopwatch.GetTimestamp();
    }

    /// <summary>The code of the user's last SMS in the local host's sink (<c>GET /_local/sms</c>), polled for 5 s at most.</summary>
    private static async Task<string> VerificationCodeAsync(BenchUser user, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var sms = await user.Client.LocalSmsAsync(user.PhoneNumber, ct);
            if (sms.Count > 0 && CodePattern().Match(sms[^1].Text) is { Success: true } m)
            {
                return m.Groups[1].Value;
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"No verification SMS for {user.PhoneNumber} (is this the local host? /_local/sms exists only there).");
    }

    private async Task RefreshStaleTokensAsync(CancellationToken ct)
    {
        var stale = users.Where(u => u.Ready && Stopwatch.GetElapsedTime(u.TokensAt) > TokenMaxAge).ToArray();
        if (stale.Length == 0)
        {
            return;
        }

        say($"refreshing the tokens of {stale.Length} users...");
        await ForEachSetupAsync(stale, "refresh", async (user, token) =>
        {
            await AuthCallAsync(t => user.Client.RefreshAsync(ct: t), token);
            user.TokensAt = Stopwatch.GetTimestamp();
        }, ct);
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
            catch (Exception e) when (attempt < 5 && (e is HttpRequestException || e is ChatApiException { Status: 429 or 503 }))
            {
                Interlocked.Increment(ref retries);
                await Task.Delay(Clamp((e as ChatApiException)?.RetryAfter ?? TimeSpan.FromSeconds(1), 0.2, 30), ct);
            }
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
