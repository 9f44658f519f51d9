namespace Chat.UnitTests.TestData;

using System.Text.RegularExpressions;
using Chat.Core.Accounts;
using Chat.Core.Common;
using Chat.Core.Ports;
using Chat.Core.Push;
using Chat.Functions.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

/// <summary>
/// A real <see cref="AccountService"/> over mocked stores that remember the pending registrations,
/// the per-number records and the one session they were given, with etags, so retries and counters
/// behave as in a store.
/// </summary>
public sealed partial class AccountHarness
{
    public const string Phone = "+14155550100";
    public const string Password = "correct horse";
    public const string Ip = "203.0.113.7";

    private int etag;

    public AccountHarness()
    {
        Sms.Setup(s => s.SendAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string phone, string text, CancellationToken _) => SentSms.Add((phone, text)))
            .Returns(Task.CompletedTask);

        Directory.Setup(d => d.GetVerificationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string phone, CancellationToken _) =>
            {
                lock (Verifications)
                {
                    return Verifications.GetValueOrDefault(phone);
                }
            });
        Directory.Setup(d => d.TryCreateVerificationAsync(It.IsAny<PhoneVerification>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((PhoneVerification v, CancellationToken _) =>
            {
                lock (Verifications)
                {
                    return Verifications.TryAdd(v.PhoneNumber, new(v, NextTag()));
                }
            });
        Directory.Setup(d => d.TryReplaceVerificationAsync(It.IsAny<PhoneVerification>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((PhoneVerification v, string tag, CancellationToken _) =>
            {
                // Compare-and-swap as a store does it, so concurrent callers race as they would there.
                lock (Verifications)
                {
                    if (Verifications.GetValueOrDefault(v.PhoneNumber)?.ETag != tag)
                    {
                        return false;
                    }

                    Verifications[v.PhoneNumber] = new(v, NextTag());
                    return true;
                }
            });
        Directory.Setup(d => d.DeleteVerificationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string phone, CancellationToken _) => Verifications.Remove(phone))
            .Returns(Task.CompletedTask);
        Directory.Setup(d => d.CreateRegistrationAsync(It.IsAny<PendingRegistration>(), It.IsAny<CancellationToken>()))
            .Callback((PendingRegistration r, CancellationToken _) => Registrations.Add(r.RegistrationId, r))
            .Returns(Task.CompletedTask);
        Directory.Setup(d => d.GetRegistrationAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string phone, string id, CancellationToken _) => Registrations.GetValueOrDefault(id) is { } r && r.PhoneNumber == phone ? r : null);
        Directory.Setup(d => d.DeleteRegistrationAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string _, string id, CancellationToken _) => Registrations.Remove(id))
            .Returns(Task.CompletedTask);
        Directory.Setup(d => d.TryClaimPhoneAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);

        Users.Setup(u => u.TryCreateAsync(It.IsAny<UserAccount>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Users.Setup(u => u.CreateSessionAsync(It.IsAny<SessionRecord>(), It.IsAny<CancellationToken>()))
            .Callback((SessionRecord s, CancellationToken _) => Session = new(s, NextTag()))
            .Returns(Task.CompletedTask);
        Users.Setup(u => u.GetSessionAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string userId, string sessionId, CancellationToken _) =>
                Session is { } s && s.Value.UserId == userId && s.Value.SessionId == sessionId ? s : null);
        Users.Setup(u => u.TryReplaceSessionAsync(It.IsAny<SessionRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SessionRecord s, string tag, CancellationToken _) =>
            {
                if (Session?.ETag != tag)
                {
                    return false;
                }

                Session = new(s, NextTag());
                return true;
            });

        var limiter = new InMemoryRateLimiter(Time);
        Limiter.Setup(l => l.AcquireAsync(It.IsAny<RateLimit>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((RateLimit l, string k, CancellationToken ct) => limiter.AcquireAsync(l, k, ct));
        Limiter.Setup(l => l.TryAcquireAsync(It.IsAny<RateLimit>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((RateLimit l, string k, CancellationToken ct) => limiter.TryAcquireAsync(l, k, ct));
        Limiter.Setup(l => l.ThrowIfExhaustedAsync(It.IsAny<RateLimit>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((RateLimit l, string k, CancellationToken ct) => limiter.ThrowIfExhaustedAsync(l, k, ct));
        Limiter.Setup(l => l.RecordAsync(It.IsAny<RateLimit>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((RateLimit l, string k, CancellationToken ct) => limiter.RecordAsync(l, k, ct));

        Tokens = TestAuth.Tokens(Time, AuthOptions);
        SessionCheck = new SessionStateCache(Users.Object, Revocations, Options.Create(new SessionCacheOptions()), Time, NullLogger<SessionStateCache>.Instance);
        Service = new AccountService(
            Users.Object,
            Directory.Object,
            Sms.Object,
            Tokens,
            SessionCheck,
            Realtime.Object,
            new DeviceService(PushHub.Object),
            Limiter.Object,
            Hasher,
            Options.Create(Limits),
            Time);
    }

    public Mock<IUserStore> Users { get; } = new();

    public Mock<IDirectoryStore> Directory { get; } = new();

    public Mock<ISmsSender> Sms { get; } = new();

    public Mock<IRealtime> Realtime { get; } = new();

    public Mock<IPushHub> PushHub { get; } = new();

    public FakeTimeProvider Time { get; } = TestClock.New();

    public LimitsOptions Limits { get; } = new();

    /// <summary>The real hasher, watched: tests see which hashes were checked.</summary>
    public Mock<PasswordHasher<UserAccount>> HasherMock { get; } = new(Options.Create(new PasswordHasherOptions())) { CallBase = true };

    public PasswordHasher<UserAccount> Hasher => HasherMock.Object;

    /// <summary>The real in-memory limiter, watched: tests see every key it was given.</summary>
    public Mock<IRateLimiter> Limiter { get; } = new();

    /// <summary>Auth settings the tokens read on every call, so a test may change them (e.g. the refresh-token lifetime).</summary>
    public AuthOptions AuthOptions { get; } = TestAuth.Options();

    public TokenService Tokens { get; }

    /// <summary>The revocations every instance shares.</summary>
    public FakeSessionRevocations Revocations { get; } = new();

    /// <summary>The real per-instance session cache, over <see cref="Revocations"/> and <see cref="Users"/>.</summary>
    public SessionStateCache SessionCheck { get; }

    public AccountService Service { get; }

    public List<(string Phone, string Text)> SentSms { get; } = [];

    /// <summary>The per-number records, by phone number.</summary>
    public Dictionary<string, Versioned<PhoneVerification>> Verifications { get; } = new(StringComparer.Ordinal);

    /// <summary>The pending registrations, by registration id.</summary>
    public Dictionary<string, PendingRegistration> Registrations { get; } = new(StringComparer.Ordinal);

    public PhoneVerification? Verification => Verifications.GetValueOrDefault(Phone)?.Value;

    public Versioned<SessionRecord>? Session { get; set; }

    /// <summary>The 6-digit code of the last SMS.</summary>
    public string LastCode => SixDigits().Match(SentSms[^1].Text).Value;

    /// <summary>Registers <see cref="Phone"/>; returns the texted code and the registration id.</summary>
    public async Task<(string Code, string RegistrationId)> RegisterAsync(string name = "Ann", string password = Password)
    {
        var accepted = await Service.RegisterAsync(new RegisterRequest(Phone, name, password), Ip, CancellationToken.None);
        return (LastCode, accepted.RegistrationId);
    }

    public Task<UserView> VerifyAsync(string code, string? registrationId = null) =>
        Service.VerifyAsync(new VerifyRequest(Phone, code, registrationId), Ip, CancellationToken.None);

    /// <summary>A verified account with <see cref="Password"/>, found by <see cref="Phone"/>.</summary>
    public UserAccount AddUser(string userId = "user1", string phone = Phone, string password = Password)
    {
        var account = new UserAccount { UserId = userId, PhoneNumber = phone, DisplayName = "Ann", PasswordHash = string.Empty, CreatedAt = TestClock.Start };
        account = account with { PasswordHash = Hasher.HashPassword(account, password) };
        Directory.Setup(d => d.FindUserIdByPhoneAsync(phone, It.IsAny<CancellationToken>())).ReturnsAsync(userId);
        Users.Setup(u => u.GetAsync(userId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<UserAccount>(account, "u1"));
        return account;
    }

    public Task<IssuedTokens> LoginAsync(string password = Password, string ip = Ip) =>
        Service.LoginAsync(new LoginRequest(Phone, password), ip, CancellationToken.None);

    public Task<IssuedTokens> RefreshAsync(string refreshToken) =>
        Service.RefreshAsync(new RefreshRequest(refreshToken), Ip, CancellationToken.None);

    [GeneratedRegex(@"\b[0-9]{6}\b")]
    private static partial Regex SixDigits();

    private string NextTag() => "t" + Interlocked.Increment(ref etag).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
