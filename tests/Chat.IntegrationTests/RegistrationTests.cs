namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit;

/// <summary>Registration hardened (API v1.1): registrations that never overwrite each other, tries
/// and SMS counted per number, numbers that are not E.164 refused; on a host whose clock the tests move.</summary>
[Collection(BackendCollection.Name)]
public sealed class RegistrationTests(BackendFixture backend) : IAsyncLifetime
{
    private const string OwnerPassword = "owner-password-1";
    private const string AttackerPassword = "attacker-password-1";

    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private TestHost host = null!;

    public static TheoryData<string> NotE164 => new()
    {
        new string('4', 10_000),
        "+" + new string('4', 10_000),
        "+1234567890123456",
    };

    public async Task InitializeAsync() => host = await backend.StartHostAsync(new Dictionary<string, string?>(), clock);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Takeover_AttackerRegistersTheOwnersPendingNumber_TheOwnerStillGetsTheAccount()
    {
        var owner = host.NewClient();
        var attacker = host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        var ownerRegistration = await owner.RegisterAsync(phone, "Owner", OwnerPassword);
        var ownerCode = await TestHost.LastCodeAsync(owner, phone);

        var attackerRegistration = await attacker.RegisterAsync(phone, "Mallory", AttackerPassword);
        var attackerCode = await TestHost.LastCodeAsync(attacker, phone);
        Assert.NotEqual(ownerRegistration.RegistrationId, attackerRegistration.RegistrationId);

        var user = await owner.VerifyAsync(phone, ownerCode, ownerRegistration.RegistrationId);

        Assert.Equal("Owner", user.DisplayName);
        await Expect.Problem(401, () => attacker.LoginAsync(phone, AttackerPassword));
        var tokens = await owner.LoginAsync(phone, OwnerPassword);
        Assert.Equal(user.UserId, tokens.UserId);
        Assert.Equal("Owner", (await owner.GetMeAsync()).DisplayName);

        // The attacker's own registration can no longer become the account.
        await Expect.Validation("code", () => attacker.VerifyAsync(phone, attackerCode, attackerRegistration.RegistrationId));
        await Expect.Problem(401, () => attacker.LoginAsync(phone, AttackerPassword));
    }

    [Fact]
    public async Task Verify_ACodeOnlyVerifiesTheRegistrationItWasSentFor()
    {
        var client = host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        var first = await client.RegisterAsync(phone, "First", OwnerPassword);
        var firstCode = await TestHost.LastCodeAsync(client, phone);
        var second = await client.RegisterAsync(phone, "Second", OwnerPassword);
        var secondCode = await TestHost.LastCodeAsync(client, phone);
        if (firstCode == secondCode)
        {
            return; // both got the same six digits (one in a million): nothing to tell apart
        }

        await Expect.Validation("code", () => client.VerifyAsync(phone, firstCode, second.RegistrationId));

        var user = await client.VerifyAsync(phone, firstCode, first.RegistrationId);
        Assert.Equal("First", user.DisplayName);
    }

    [Fact]
    public async Task Verify_WithoutRegistrationId_TwoPending_Returns400OnRegistrationId_OnePendingWorks()
    {
        var client = host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        await client.RegisterAsync(phone, "First", OwnerPassword);
        await client.RegisterAsync(phone, "Second", OwnerPassword);
        var code = await TestHost.LastCodeAsync(client, phone);

        await Expect.Validation("registrationId", () => client.VerifyAsync(phone, code));

        var single = TestHost.NewPhoneNumber();
        await client.RegisterAsync(single, "Single", OwnerPassword);
        var user = await client.VerifyAsync(single, await TestHost.LastCodeAsync(client, single));
        Assert.Equal("Single", user.DisplayName);
    }

    [Fact]
    public async Task Verify_TriesCountAcrossReRegisters_AndStartAgainTenMinutesAfterTheFirstWrongOne()
    {
        var client = host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        var first = await client.RegisterAsync(phone, "Dana", OwnerPassword);
        var firstCode = await TestHost.LastCodeAsync(client, phone);
        for (var i = 0; i < 3; i++)
        {
            await Expect.Validation("code", () => client.VerifyAsync(phone, Wrong(firstCode), first.RegistrationId));
        }

        var second = await client.RegisterAsync(phone, "Dana", OwnerPassword);
        var secondCode = await TestHost.LastCodeAsync(client, phone);
        for (var i = 0; i < 2; i++)
        {
            await Expect.Validation("code", () => client.VerifyAsync(phone, Wrong(secondCode), second.RegistrationId));
        }

        // Five wrong tries on the number: the new registration did not reset them.
        await Expect.Validation("code", () => client.VerifyAsync(phone, secondCode, second.RegistrationId));

        clock.Advance(TimeSpan.FromMinutes(10));
        var third = await client.RegisterAsync(phone, "Dana", OwnerPassword);
        var user = await client.VerifyAsync(phone, await TestHost.LastCodeAsync(client, phone), third.RegistrationId);
        Assert.Equal(phone, user.PhoneNumber);
    }

    [Fact]
    public async Task Register_SixthInAnHour_Returns429WithRetryAfter_AndSendsNoSms()
    {
        var client = host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        for (var i = 0; i < 5; i++)
        {
            await client.RegisterAsync(phone, "Eve", OwnerPassword);
        }

        var limited = await Expect.Problem(429, () => client.RegisterAsync(phone, "Eve", OwnerPassword));

        Assert.NotNull(limited.RetryAfter);
        Assert.InRange(limited.RetryAfter!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        Assert.Equal(5, (await client.LocalSmsAsync(phone)).Count);

        clock.Advance(TimeSpan.FromHours(1));
        await client.RegisterAsync(phone, "Eve", OwnerPassword);
        Assert.Equal(6, (await client.LocalSmsAsync(phone)).Count);
    }

    [Fact]
    public async Task Register_EleventhSmsInADay_Returns429WithRetryAfter_UntilTheDayOfTheFirstHasPassed()
    {
        var client = host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        for (var hour = 0; hour < 2; hour++)
        {
            for (var i = 0; i < 5; i++)
            {
                await client.RegisterAsync(phone, "Gina", OwnerPassword);
            }

            clock.Advance(TimeSpan.FromHours(1));
        }

        // Under the hourly cap again, but ten SMS went to the number within the day.
        var limited = await Expect.Problem(429, () => client.RegisterAsync(phone, "Gina", OwnerPassword));

        Assert.NotNull(limited.RetryAfter);
        Assert.InRange(limited.RetryAfter!.Value, TimeSpan.FromHours(22) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(22));
        Assert.Equal(10, (await client.LocalSmsAsync(phone)).Count);

        clock.Advance(TimeSpan.FromHours(22));
        await client.RegisterAsync(phone, "Gina", OwnerPassword);
        Assert.Equal(11, (await client.LocalSmsAsync(phone)).Count);
    }

    [Theory]
    [MemberData(nameof(NotE164))]
    public async Task NumberNotE164_Returns400Problem_OnRegisterVerifyAndLogin(string phone)
    {
        var client = host.NewClient();

        await Expect.Validation("phoneNumber", () => client.RegisterAsync(phone, "Frank", OwnerPassword));
        await Expect.Validation("phoneNumber", () => client.VerifyAsync(phone, "123456"));
        await Expect.Validation("phoneNumber", () => client.VerifyAsync(phone, "123456", "0123456789abcdef0123456789abcdef"));
        for (var i = 0; i < 6; i++)
        {
            // Never counted as failed logins: the sixth is still a 400, not a 429.
            await Expect.Validation("phoneNumber", () => client.LoginAsync(phone, OwnerPassword));
        }
    }

    [Fact]
    public async Task Lookup_HugeOrManyNumbers_Returns400Problem()
    {
        var user = await host.NewUserAsync();

        await Expect.Validation("phoneNumbers", () => user.LookupAsync([new string('4', 10_000)]));
        await Expect.Validation("phoneNumbers", () => user.LookupAsync([TestHost.NewPhoneNumber(), "+" + new string('4', 10_000)]));
        await Expect.Validation("phoneNumbers", () => user.LookupAsync(Enumerable.Range(0, 1001).Select(_ => new string('4', 200))));
    }

    private static string Wrong(string code) => code == "000000" ? "111111" : "000000";
}
