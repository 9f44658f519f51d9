namespace Chat.Core.Common;

using System.ComponentModel.DataAnnotations;

/// <summary>The limits of API.md's Limits table; every one is configurable under <c>Limits</c>.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    [Range(1, int.MaxValue)] public int AuthRequestsPerMinutePerIp { get; set; } = 600;

    [Range(1, 1000)] public int FailedLoginsPerWindow { get; set; } = 5;

    public TimeSpan FailedLoginWindow { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan VerificationCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    [Range(1, 100)] public int VerificationAttempts { get; set; } = 5;

    /// <summary>The tries of a number's codes count again from zero this long after the first wrong one (API v1.1).</summary>
    public TimeSpan VerificationAttemptWindow { get; set; } = TimeSpan.FromMinutes(10);

    [Range(1, int.MaxValue)] public int LookupsPerMinute { get; set; } = 20;

    [Range(1, 10_000)] public int LookupMaxNumbers { get; set; } = 1000;

    [Range(1, int.MaxValue)] public int MessagesPerWindow { get; set; } = 50;

    public TimeSpan MessageWindow { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1, int.MaxValue)] public int GroupJoinsPerMinute { get; set; } = 20;

    /// <summary>Verification SMS per phone number (API v1.1): 5 an hour and 10 a day.</summary>
    [Range(1, int.MaxValue)] public int VerificationSmsPerHour { get; set; } = 5;

    [Range(1, int.MaxValue)] public int VerificationSmsPerDay { get; set; } = 10;

    [Range(1, int.MaxValue)] public int GroupCreationsPerHour { get; set; } = 20;

    [Range(1, int.MaxValue)] public int UploadTicketsPerMinute { get; set; } = 60;

    /// <summary>JSON request bodies above this are refused with 413 without being read to the end.</summary>
    [Range(1024, 64 * 1024 * 1024)] public int MaxJsonBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Path and query above this are refused with 414 (the local host's Kestrel takes twice this).</summary>
    [Range(1024, 64 * 1024)] public int MaxUrlBytes { get; set; } = 8 * 1024;

    /// <summary>Request headers above this (names and values) are refused with 431 (the local host's Kestrel takes twice this).</summary>
    [Range(4096, 256 * 1024)] public int MaxRequestHeaderBytes { get; set; } = 32 * 1024;

    [Range(2, 100)] public int MaxGroupMembers { get; set; } = 100;

    [Range(1, 65_536)] public int MaxTextLength { get; set; } = 4096;

    /// <summary>Typing signals per user and chat; extra ones are dropped quietly.</summary>
    public TimeSpan TypingInterval { get; set; } = TimeSpan.FromSeconds(2);

    public RateLimit Typing => new("typing", 1, TypingInterval, FailOpen: true);

    public RateLimit AuthPerIp => new("auth", AuthRequestsPerMinutePerIp, TimeSpan.FromMinutes(1));

    public RateLimit FailedLogins => new("login-failures", FailedLoginsPerWindow, FailedLoginWindow);

    public RateLimit Lookups => new("lookup", LookupsPerMinute, TimeSpan.FromMinutes(1));

    public RateLimit Messages => new("send", MessagesPerWindow, MessageWindow, FailOpen: true);

    public RateLimit GroupJoins => new("join", GroupJoinsPerMinute, TimeSpan.FromMinutes(1));

    public RateLimit VerificationTries => new("verify-tries", VerificationAttempts, VerificationAttemptWindow);

    public RateLimit VerificationSmsHourly => new("sms-hour", VerificationSmsPerHour, TimeSpan.FromHours(1));

    public RateLimit VerificationSmsDaily => new("sms-day", VerificationSmsPerDay, TimeSpan.FromDays(1));

    public RateLimit GroupCreations => new("group-create", GroupCreationsPerHour, TimeSpan.FromHours(1));

    public RateLimit UploadTickets => new("upload-ticket", UploadTicketsPerMinute, TimeSpan.FromMinutes(1));
}
