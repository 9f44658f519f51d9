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
/// A real <see cref="AccountService"/> over mocked stores that remember the one pending registration
/// and the one session they were given, with etags, so retries and counters behave as in a store.
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

        Directory.Setup(d => d.UpsertRegistrationAsync(It.IsAny<PendingRegistration>(), It.IsAny<CancellationToken>()))
            .Callback((PendingRegistration r, CancellationToken _) => Registration = new(r, NextTag()))
            .Returns(Task.CompletedTask);
        Directory.Setup(d => d.GetRegistrationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string phone, CancellationToken _) => Registration?.Value.PhoneNumber == phone ? Registration : null);
        Directory.Setup(d => d.TryReplaceRegistrationAsync(It.IsAny<PendingRegistration>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((PendingRegistration r, string tag, CancellationToken _) =>
            {
                if (Registration?.ETag != tag)
                {
                    return false;
                }

                Registration = new(r, NextTag());
                return true;
            });
        Directory.Setup(d => d.DeleteRegistrationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback(() => Registration = null)
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

        Tokens = TestAuth.Tokens(Time, AuthOptions);
        SessionCheck = new SessionStateCache(Users.Object, Options.Create(new SessionCacheOptions()), Time, NullLogger<SessionStateCache>.Instance);
        Service = new AccountService(
            Users.Object,
            Directory.Object,
            Sms.Object,
            Tokens,
            SessionCheck,
            Realtime.Object,
            new DeviceService(PushHub.Object),
            new InMemoryRateLimiter(Time),
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

    public PasswordHasher<UserAccount> Hasher { get; } = new();

    /// <summary>Auth settings the tokens read on every call, so a test may change them (e.g. the refresh-token lifetime).</summary>
    public AuthOptions AuthOptions { get; } = TestAuth.Options();

    public TokenService Tokens { get; }

    /// <summary>The real per-instance session cache, over <see cref="Users"/>.</summary>
    public SessionStateCache SessionCheck { get; }

    public AccountService Service { get; }

    public List<(string Phone, string Text)> SentSms { get; } = [];

    public Versioned<PendingRegistration>? Registration { get; set; }

    public Versioned<SessionRecord>? Session { get; set; }

    /// <summary>The 6-digit code of the last SMS.</summary>
    public string LastCode => SixDigits().Match(SentSms[^1].Text).Value;

    public async Task<string> RegisterAsync()
    {
        await Service.RegisterAsync(new RegisterRequest(Phone, "Ann", Password), Ip, CancellationToken.None);
        return LastCode;
    }

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
