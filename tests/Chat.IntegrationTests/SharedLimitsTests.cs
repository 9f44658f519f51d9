namespace Chat.IntegrationTests;

using System.Diagnostics;
using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit;

/// <summary>Rate limits held in Redis: two hosts on one Garnet (and one database) stand for two instances;
/// the Garnet is the test's own, so it can be stopped and brought back.</summary>
[Collection(BackendCollection.Name)]
public sealed class SharedLimitsTests(BackendFixture backend) : IDisposable
{
    private const string Password = "correct-horse-1";

    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly GarnetStandIn garnet = GarnetStandIn.Start();

    public void Dispose() => garnet.Dispose();

    [Fact]
    public async Task FailedLogins_SpreadOverTwoInstances_CountTogether_TheSixthIs429OnEither()
    {
        await using var a = await backend.StartHostAsync(Redis(), clock);
        await using var b = await backend.StartHostOnDatabaseAsync(a.DatabaseName, Redis(), clock);
        var phone = await RegisterAsync(a);

        for (var i = 0; i < 5; i++)
        {
            var host = i % 2 == 0 ? a : b;
            await Expect.Problem(401, () => host.NewClient().LoginAsync(phone, "wrong-password-" + i));
        }

        // Both hosts see the caller as 127.0.0.1: one number+IP pair, counted once across instances.
        var limited = await Expect.Problem(429, () => b.NewClient().LoginAsync(phone, Password));
        Assert.InRange(limited.RetryAfter!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        await Expect.Problem(429, () => a.NewClient().LoginAsync(phone, Password));
    }

    [Fact]
    public async Task RedisDown_LoginIs503WithRetryAfter_SendsStillSucceed_BothRecover()
    {
        await using var host = await backend.StartHostAsync(Redis(), clock);
        var phone = await RegisterAsync(host);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        garnet.Kill();

        var watch = Stopwatch.StartNew();
        var refused = await Expect.Problem(503, () => host.NewClient().LoginAsync(phone, Password)); // fail closed: never an unthrottled login
        watch.Stop();
        Assert.NotNull(refused.RetryAfter);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"login took {watch.Elapsed} without Redis");
        Assert.Equal(1, (await alice.SendTextAsync(chat.ChatId, "Redis is down")).Seq); // fail open

        garnet.Restart();
        await Expect.Eventually(async () => await LogsInAsync(host, phone), because: "login works again once Redis is back");
        Assert.Equal(2, (await alice.SendTextAsync(chat.ChatId, "Redis is back")).Seq);
    }

    private static async Task<bool> LogsInAsync(TestHost host, string phone)
    {
        try
        {
            await host.NewClient().LoginAsync(phone, Password);
            return true;
        }
        catch (ChatApiException e) when (e.Status == 503)
        {
            return false;
        }
    }

    /// <summary>A verified account whose number the test knows.</summary>
    private static async Task<string> RegisterAsync(TestHost host)
    {
        var client = host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        var registration = await client.RegisterAsync(phone, "Limited", Password);
        await client.VerifyAsync(phone, await TestHost.LastCodeAsync(client, phone), registration.RegistrationId);
        return phone;
    }

    private Dictionary<string, string?> Redis() => new() { ["Redis:ConnectionString"] = garnet.ConnectionString };
}
