namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>API v1.1 sessions per device: deviceName at login, the list, and revoking one session.</summary>
[Collection(BackendCollection.Name)]
public sealed class SessionsTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Sessions_AreListedPerDevice_WithTheCurrentOneMarked_AndLastUsedMovesOnRefresh()
    {
        var (phone, laptop) = await SignUpAsync();
        var phoneSession = await DeviceAsync(phone, "Pixel 9");
        await laptop.LoginAsync(phone, "correct-horse-1", "Laptop");
        var before = (await laptop.ListSessionsAsync()).Single(s => s.DeviceName == "Pixel 9");
        await phoneSession.RefreshAsync();

        var seen = await laptop.ListSessionsAsync();

        Assert.Equal(3, seen.Count); // the sign-up's own login, the phone and the laptop
        Assert.Equal("Laptop", Assert.Single(seen, s => s.Current).DeviceName);
        var pixel = Assert.Single(seen, s => s.DeviceName == "Pixel 9");
        Assert.False(pixel.Current);
        Assert.True(pixel.LastUsedAt > before.LastUsedAt, $"{pixel.LastUsedAt:O} after {before.LastUsedAt:O}"); // the refresh moved it
        Assert.Equal(before.CreatedAt, pixel.CreatedAt);
        Assert.Equal(seen.OrderByDescending(s => s.LastUsedAt).Select(s => s.SessionId), seen.Select(s => s.SessionId));
        var tooLong = await Expect.Problem(400, () => Host.NewClient().LoginAsync(phone, "correct-horse-1", new string('x', 65)));
        Assert.True(tooLong.Problem!.Errors!.ContainsKey("deviceName"));
    }

    [Fact]
    public async Task RevokingASession_RefusesItsRefreshToken_AndItsAccessTokens_OthersStay_NotTheCallersAre404()
    {
        var (phone, laptop) = await SignUpAsync();
        var other = await DeviceAsync(phone, "Old tablet");
        var tabletId = (await laptop.ListSessionsAsync()).Single(s => s.DeviceName == "Old tablet").SessionId;

        await laptop.RevokeSessionAsync(tabletId);

        await Expect.Problem(401, () => other.RefreshAsync());
        await Expect.Eventually(async () =>
        {
            try
            {
                await other.GetMeAsync();
                return false;
            }
            catch (ChatApiException e) when (e.Status == 401)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(60), "the revoked session's access token is refused within 60 s");
        await laptop.GetMeAsync();
        Assert.DoesNotContain(await laptop.ListSessionsAsync(), s => s.SessionId == tabletId);
        await Expect.Problem(404, () => laptop.RevokeSessionAsync(tabletId));
        var (_, stranger) = await SignUpAsync();
        var laptops = (await laptop.ListSessionsAsync())[0].SessionId;
        await Expect.Problem(404, () => stranger.RevokeSessionAsync(laptops));
        await laptop.GetMeAsync(); // a stranger's try ended nothing
    }

    private async Task<(string Phone, ChatClient Client)> SignUpAsync()
    {
        var client = await Host.NewUserAsync();
        return ((await client.GetMeAsync()).PhoneNumber!, client);
    }

    private async Task<ChatClient> DeviceAsync(string phone, string name)
    {
        var device = Host.NewClient();
        await device.LoginAsync(phone, "correct-horse-1", name);
        return device;
    }
}
