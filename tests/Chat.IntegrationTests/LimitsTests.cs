namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit;

/// <summary>Limits and time windows, on a host whose clock the tests move. Rate-limit windows run on Redis's
/// clock, so the host has a Garnet of its own: no other test's counters (the client IP is 127.0.0.1 for all).</summary>
[Collection(BackendCollection.Name)]
public sealed class LimitsTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly GarnetStandIn garnet = GarnetStandIn.Start();
    private TestHost host = null!;

    public async Task InitializeAsync() =>
        host = await backend.StartHostAsync(
            new Dictionary<string, string?>
            {
                ["Redis:ConnectionString"] = garnet.ConnectionString,
                ["Limits:LookupsPerMinute"] = "2",
                ["Limits:MessagesPerWindow"] = "5",
                ["Limits:GroupJoinsPerMinute"] = "2",
            },
            clock);

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        garnet.Dispose();
    }

    [Fact]
    public async Task Messages_PastTheLimit_Return429WithRetryAfter_UntilTheWindowPasses()
    {
        var (alice, chat) = await UserWithChatAsync();
        for (var i = 0; i < 5; i++)
        {
            await alice.SendTextAsync(chat, "m" + i);
        }

        var limited = await Expect.Problem(429, () => alice.SendTextAsync(chat, "one too many"));
        Assert.NotNull(limited.RetryAfter);
        Assert.Equal(5, (await alice.GetMessagesAsync(chat)).Messages.Count);

        // The window is Redis's (10 s from the first send), not the host's clock.
        await Expect.Eventually(
            async () => await SendsAsync(alice, chat, "allowed again"), TimeSpan.FromSeconds(20), "the message window ends 10 s after the first send");
        Assert.Equal(6, (await alice.GetMessagesAsync(chat)).Messages.Count);
    }

    [Fact]
    public async Task Lookups_PastTheLimit_Return429()
    {
        var (alice, _) = await UserWithChatAsync();
        await alice.LookupAsync([TestHost.NewPhoneNumber()]);
        await alice.LookupAsync([TestHost.NewPhoneNumber()]);
        await Expect.Problem(429, () => alice.LookupAsync([TestHost.NewPhoneNumber()]));
    }

    [Fact]
    public async Task GroupJoins_PastTheLimit_Return429()
    {
        var (admin, _) = await UserWithChatAsync();
        var joiner = await host.NewUserAsync();
        var codes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var group = await admin.CreateGroupAsync("G" + i, []);
            codes.Add((await admin.CreateInviteAsync(group.ChatId)).InviteCode);
        }

        await joiner.JoinAsync(codes[0]);
        await joiner.JoinAsync(codes[1]);
        await Expect.Problem(429, () => joiner.JoinAsync(codes[2]));
    }

    [Fact]
    public async Task Verify_ExpiredCode_Returns400()
    {
        var client = host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        await client.RegisterAsync(phone, "Late", "correct-horse-1");
        var code = await TestHost.LastCodeAsync(client, phone);
        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await Expect.Validation("code", () => client.VerifyAsync(phone, code));
    }

    [Fact]
    public async Task AccessToken_Expires_After15Minutes()
    {
        var (alice, _) = await UserWithChatAsync();
        await alice.GetMeAsync();
        clock.Advance(TimeSpan.FromMinutes(16));
        await Expect.Problem(401, () => alice.GetMeAsync());
        await alice.RefreshAsync();
        await alice.GetMeAsync();
    }

    [Fact]
    public async Task Refresh_ReuseAfterTheRetryWindow_RevokesTheSession()
    {
        var (alice, _) = await UserWithChatAsync();
        var old = alice.Tokens!.RefreshToken;
        var rotated = await alice.RefreshAsync();
        clock.Advance(TimeSpan.FromSeconds(11));
        await Expect.Problem(401, () => host.NewClient().RefreshAsync(old));
        await Expect.Problem(401, () => host.NewClient().RefreshAsync(rotated.RefreshToken));
    }

    [Fact]
    public async Task AuthRoutes_PastThePerIpLimit_Return429()
    {
        var limited = await backend.StartHostAsync(
            new Dictionary<string, string?> { ["Limits:AuthRequestsPerMinutePerIp"] = "3", ["Redis:ConnectionString"] = garnet.ConnectionString }, new FakeTimeProvider(DateTimeOffset.UtcNow));
        await using (limited)
        {
            var client = limited.NewClient();
            for (var i = 0; i < 3; i++)
            {
                await Expect.Problem(401, () => client.LoginAsync(TestHost.NewPhoneNumber(), "whatever-123"));
            }

            var e = await Expect.Problem(429, () => client.RegisterAsync(TestHost.NewPhoneNumber(), "X", "correct-horse-1"));
            Assert.NotNull(e.RetryAfter);
        }
    }

    private static async Task<bool> SendsAsync(ChatClient client, string chatId, string text)
    {
        try
        {
            await client.SendTextAsync(chatId, text);
            return true;
        }
        catch (ChatApiException e) when (e.Status == 429)
        {
            return false;
        }
    }

    private async Task<(ChatClient User, string ChatId)> UserWithChatAsync()
    {
        var user = await host.NewUserAsync();
        var peer = await host.NewUserAsync();
        return (user, (await user.OpenDirectAsync(peer.UserId)).ChatId);
    }
}
