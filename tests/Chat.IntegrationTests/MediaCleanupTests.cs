namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.Core.Media;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

[Collection(BackendCollection.Name)]
public sealed class MediaCleanupTests(BackendFixture backend)
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];

    [Fact]
    public async Task Sweep_DeletesUnattachedAfterADay_AndExpiredAfterRetention_KeepsAvatars()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?> { ["LocalHost:RunTimers"] = "false" }, clock);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var unattached = await UploadAsync(alice, "draft.png");
        var sent = await UploadAsync(alice, "sent.png");
        await alice.SendAsync(chat.ChatId, new SendMessage("m-1", "image", MediaId: sent));
        var avatar = await UploadAsync(alice, "me.png");
        var me = await alice.UpdateMeAsync(new ProfileUpdate(AvatarMediaId: avatar));
        Assert.Equal($"/api/media/{avatar}", me.AvatarUrl);

        var sweep = host.Services.GetRequiredService<MediaService>();
        clock.Advance(TimeSpan.FromHours(12));
        Assert.Equal(0, await sweep.SweepAsync(CancellationToken.None));

        clock.Advance(TimeSpan.FromHours(13));
        Assert.Equal(1, await sweep.SweepAsync(CancellationToken.None));
        await alice.RefreshAsync(); // a day passed: the access tokens expired, the sessions did not
        await bob.RefreshAsync();
        await Expect.Problem(404, () => alice.GetMediaUrlAsync(unattached));
        await bob.GetMediaUrlAsync(sent);
        await Readable(await bob.GetMediaUrlAsync(avatar)); // avatars: any signed-in user

        clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(1, await sweep.SweepAsync(CancellationToken.None));
        await bob.RefreshAsync();
        await Expect.Problem(410, () => bob.GetMediaUrlAsync(sent));
        await Readable(await bob.GetMediaUrlAsync(avatar));
        var stranger = await host.NewUserAsync();
        await Readable(await stranger.GetMediaUrlAsync(avatar));
    }

    [Fact]
    public async Task AnnouncedButNeverUploadedTicket_CannotBeAttachedAfterItsWindow_AndItsRecordExpires()
    {
        // Ahead of real time, so the 2 s upload URL is still good in Azurite's eyes however slow the machine is.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(10));
        var settings = new Dictionary<string, string?>
        {
            ["Media:UnattachedLifetime"] = "00:00:03",
            ["Media:UploadUrlLifetime"] = "00:00:02",
            ["LocalHost:RunTimers"] = "false",
        };
        await using var host = await backend.StartHostAsync(settings, clock);
        var alice = await host.NewUserAsync();
        var bob = await host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var never = await alice.CreateMediaAsync("never.png", "image/png", Png.Length);
        var late = await alice.CreateMediaAsync("late.png", "image/png", Png.Length);
        using (var upload = await alice.UploadAsync(late, Png))
        {
            Assert.True(upload.IsSuccessStatusCode);
        }

        await Expect.Validation("mediaId", () => alice.SendAsync(chat.ChatId, new SendMessage("n-1", "image", MediaId: never.MediaId)));
        clock.Advance(TimeSpan.FromSeconds(4));
        await Expect.Validation("mediaId", () => alice.SendAsync(chat.ChatId, new SendMessage("l-1", "image", MediaId: late.MediaId)));
        await Expect.Problem(404, () => alice.GetMediaUrlAsync(late.MediaId));

        // The sweep only sees blobs; the ticket without one goes by the store's TTL (twice the window).
        var store = host.Services.GetRequiredService<Chat.Core.Ports.IMediaStore>();
        await Expect.Eventually(async () => await store.GetAsync(never.MediaId, CancellationToken.None) is null, TimeSpan.FromSeconds(30), "the pending record expires");
        await Expect.Validation("mediaId", () => alice.SendAsync(chat.ChatId, new SendMessage("n-2", "image", MediaId: never.MediaId)));
        Assert.Equal(1, await host.Services.GetRequiredService<MediaService>().SweepAsync(CancellationToken.None));
        Assert.Empty((await bob.GetMessagesAsync(chat.ChatId)).Messages);
    }

    private static async Task<string> UploadAsync(ChatClient client, string name)
    {
        var ticket = await client.CreateMediaAsync(name, "image/png", Png.Length);
        using var upload = await client.UploadAsync(ticket, Png);
        Assert.True(upload.IsSuccessStatusCode);
        return ticket.MediaId;
    }

    private static async Task Readable(Uri url)
    {
        using var plain = new HttpClient();
        Assert.Equal(Png, await plain.GetByteArrayAsync(url));
    }
}
