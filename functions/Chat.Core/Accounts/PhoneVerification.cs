namespace Chat.Core.Accounts;

using Chat.Core.Common;

/// <summary>
/// What one phone number shares across its pending registrations: which are pending, the wrong
/// tries of their codes and the verification SMS sent. One small record per number, replaced
/// with optimistic concurrency, so every counted use lands even from concurrent requests.
/// </summary>
public sealed record PhoneVerification
{
    public required string PhoneNumber { get; init; }

    public IReadOnlyList<PendingCode> Pending { get; init; } = [];

    public UseWindow? WrongTries { get; init; }

    public UseWindow? SmsHour { get; init; }

    public UseWindow? SmsDay { get; init; }

    /// <summary>Nothing in the record matters after this; the store may drop it then.</summary>
    public required DateTimeOffset KeepUntil { get; init; }

    public static PhoneVerification Start(string phoneNumber, DateTimeOffset now) => new() { PhoneNumber = phoneNumber, KeepUntil = now };

    /// <summary>The registrations whose codes are still valid.</summary>
    public IReadOnlyList<PendingCode> PendingAt(DateTimeOffset now) => Pending.Where(p => p.ExpiresAt > now).ToArray();

    /// <summary>How long until another SMS may go out; null when one may go out now.</summary>
    public TimeSpan? SmsRetryAfter(DateTimeOffset now, LimitsOptions limits)
    {
        var hourly = limits.VerificationSmsHourly;
        var daily = limits.VerificationSmsDaily;
        TimeSpan? wait = null;
        if (UseWindow.CountAt(SmsHour, now, hourly) >= hourly.Permits)
        {
            wait = SmsHour!.RetryAfter(now, hourly);
        }

        if (UseWindow.CountAt(SmsDay, now, daily) >= daily.Permits)
        {
            var dayWait = SmsDay!.RetryAfter(now, daily);
            wait = wait is null || dayWait > wait ? dayWait : wait;
        }

        return wait;
    }

    /// <summary>Adds a registration and counts its SMS; expired ones are dropped so the record stays small.</summary>
    public PhoneVerification WithRegistration(string registrationId, DateTimeOffset now, LimitsOptions limits) =>
        Kept(this with
        {
            Pending = [.. PendingAt(now), new PendingCode(registrationId, now + limits.VerificationCodeLifetime)],
            SmsHour = UseWindow.Next(SmsHour, now, limits.VerificationSmsHourly),
            SmsDay = UseWindow.Next(SmsDay, now, limits.VerificationSmsDaily),
        }, limits);

    /// <summary>True when the number's codes may not be tried again yet, the right one included.</summary>
    public bool TriesSpent(DateTimeOffset now, LimitsOptions limits) =>
        UseWindow.CountAt(WrongTries, now, limits.VerificationTries) >= limits.VerificationTries.Permits;

    public PhoneVerification WithWrongTry(DateTimeOffset now, LimitsOptions limits) =>
        Kept(this with { WrongTries = UseWindow.Next(WrongTries, now, limits.VerificationTries) }, limits);

    private static PhoneVerification Kept(PhoneVerification v, LimitsOptions limits)
    {
        DateTimeOffset[] ends =
        [
            v.KeepUntil,
            .. v.Pending.Select(p => p.ExpiresAt),
            v.WrongTries?.EndsAt(limits.VerificationTries) ?? v.KeepUntil,
            v.SmsHour?.EndsAt(limits.VerificationSmsHourly) ?? v.KeepUntil,
            v.SmsDay?.EndsAt(limits.VerificationSmsDaily) ?? v.KeepUntil,
        ];
        return v with { KeepUntil = ends.Max() };
    }
}

/// <summary>A pending registration as its number's record knows it.</summary>
public sealed record PendingCode(string RegistrationId, DateTimeOffset ExpiresAt);

/// <summary>A fixed window opened by its first use: <see cref="Count"/> uses since <see cref="OpenedAt"/>.</summary>
public sealed record UseWindow(DateTimeOffset OpenedAt, int Count)
{
    public static int CountAt(UseWindow? window, DateTimeOffset now, RateLimit limit) =>
        window is not null && now < window.EndsAt(limit) ? window.Count : 0;

    public static UseWindow Next(UseWindow? window, DateTimeOffset now, RateLimit limit) =>
        window is not null && now < window.EndsAt(limit) ? window with { Count = window.Count + 1 } : new UseWindow(now, 1);

    public DateTimeOffset EndsAt(RateLimit limit) => OpenedAt + limit.Window;

    public TimeSpan RetryAfter(DateTimeOffset now, RateLimit limit)
    {
        var left = EndsAt(limit) - now;
        return left < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : left;
    }
}
