namespace Chat.IntegrationTests;

using System.Net;
using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit;

[Collection(BackendCollection.Name)]
public sealed class MediaTests(BackendFixture backend)
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4];

    private TestHost Host => backend.Host;

    [Fact]
    public async Task Upload_Send_MemberDownloadsIdenticalBytes_OutsiderGets404()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var eve = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var ticket = await alice.CreateMediaAsync("../../holiday.png", "image/png", Png.Length);
        Assert.DoesNotContain("holiday", ticket.UploadUrl, StringComparison.Ordinal);
        using (var upload = await alice.UploadAsync(ticket, Png))
        {
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        var sent = await alice.SendAsync(chat.ChatId, new SendMessage("img-1", "image", MediaId: ticket.MediaId));
        Assert.Equal(ticket.MediaId, sent.Media!.MediaId);
        Assert.Equal("holiday.png", sent.Media.FileName);
        Assert.Equal($"/api/media/{ticket.MediaId}", sent.Media.Url);
        Assert.Equal(Png.Length, sent.Media.SizeBytes);

        var url = await bob.GetMediaUrlAsync(ticket.MediaId);
        using var plain = new HttpClient();
        using var download = await plain.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(Png, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal(url, await alice.GetMediaUrlAsync(ticket.MediaId)); // same URL within the window: CDN-cacheable

        await Expect.Problem(404, () => eve.GetMediaUrlAsync(ticket.MediaId));
        await Expect.Problem(404, () => eve.GetMediaUrlAsync("no-such-media"));
        await Expect.Problem(404, () => bob.GetMediaUrlAsync(ticket.MediaId, thumbnail: true));

        // A resend of the same message is the stored one, not a second attachment.
        var again = await alice.SendAsync(chat.ChatId, new SendMessage("img-1", "image", MediaId: ticket.MediaId));
        Assert.Equal(sent.Seq, again.Seq);
    }

    [Fact]
    public async Task UploadUrl_IsCreateOnly_AndReadUrlsCannotWrite()
    {
        var alice = await Host.NewUserAsync();
        var ticket = await alice.CreateMediaAsync("a.png", "image/png", Png.Length);
        using (var first = await alice.UploadAsync(ticket, Png))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        using (var overwrite = await alice.UploadAsync(ticket, [0xFF, 0xD8, 0xFF, 0x00]))
        {
            Assert.False(overwrite.IsSuccessStatusCode);
        }

        var withoutGuard = ticket with { UploadHeaders = ticket.UploadHeaders.Where(h => h.Key != "If-None-Match").ToDictionary() };
        using (var sneaky = await alice.UploadAsync(withoutGuard, [0xFF, 0xD8, 0xFF, 0x00]))
        {
            Assert.False(sneaky.IsSuccessStatusCode);
        }

        var readUrl = await alice.GetMediaUrlAsync(ticket.MediaId);
        using var plain = new HttpClient();
        using var put = new HttpRequestMessage(HttpMethod.Put, readUrl) { Content = new ByteArrayContent([1, 2, 3]) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        using (var write = await plain.SendAsync(put))
        {
            Assert.False(write.IsSuccessStatusCode);
        }

        using var check = await plain.GetAsync(readUrl);
        Assert.Equal(Png, await check.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task BlobStorage_AllowsBrowserUploads_ByCors()
    {
        var alice = await Host.NewUserAsync();
        var ticket = await alice.CreateMediaAsync("cors.png", "image/png", Png.Length);
        using var preflight = new HttpRequestMessage(HttpMethod.Options, ticket.UploadUrl);
        preflight.Headers.Add("Origin", "http://localhost:5173");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-ms-blob-type,if-none-match");
        using var plain = new HttpClient();
        using var response = await plain.SendAsync(preflight);
        Assert.True(response.IsSuccessStatusCode, $"preflight answered {(int)response.StatusCode}");
        Assert.True(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task UploadUrl_Expired_CannotWrite()
    {
        // The host's clock runs an hour behind, so the URL it signs expired 45 minutes ago.
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?>(), new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1)));
        var alice = await host.NewUserAsync();
        var ticket = await alice.CreateMediaAsync("late.png", "image/png", Png.Length);
        using var upload = await alice.UploadAsync(ticket, Png);
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
    }

    [Fact]
    public async Task Create_EnforcesLimitsTypesAndFields()
    {
        var alice = await Host.NewUserAsync();
        await Expect.Problem(413, () => alice.CreateMediaAsync("big.mp4", "video/mp4", (16L * 1024 * 1024) + 1));
        await Expect.Problem(413, () => alice.CreateMediaAsync("big.pdf", "application/pdf", (100L * 1024 * 1024) + 1));
        await alice.CreateMediaAsync("ok.pdf", "application/pdf", 50L * 1024 * 1024);
        await Expect.Problem(422, () => alice.CreateMediaAsync("x.exe", "application/x-msdownload", 10));
        await Expect.Validation("fileName", () => alice.CreateMediaAsync("\u0001/", "image/png", 10));
        await Expect.Validation("sizeBytes", () => alice.CreateMediaAsync("a.png", "image/png", 0));
    }

    [Fact]
    public async Task Attach_RefusesOthersMedia_NeverUploaded_LargerThanDeclared_AndFakeImages()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var bobs = await bob.CreateMediaAsync("b.png", "image/png", Png.Length);
        using (await bob.UploadAsync(bobs, Png))
        {
        }

        await Expect.Validation("mediaId", () => alice.SendAsync(chat.ChatId, new SendMessage("m1", "image", MediaId: bobs.MediaId)));

        var never = await alice.CreateMediaAsync("n.png", "image/png", Png.Length);
        await Expect.Validation("mediaId", () => alice.SendAsync(chat.ChatId, new SendMessage("m2", "image", MediaId: never.MediaId)));

        var small = await alice.CreateMediaAsync("s.png", "image/png", 10);
        using (await alice.UploadAsync(small, Png))
        {
        }

        await Expect.Problem(422, () => alice.SendAsync(chat.ChatId, new SendMessage("m3", "image", MediaId: small.MediaId)));

        var fake = await alice.CreateMediaAsync("f.png", "image/png", 100);
        using (await alice.UploadAsync(fake, "<html>not an image</html>"u8.ToArray()))
        {
        }

        await Expect.Problem(422, () => alice.SendAsync(chat.ChatId, new SendMessage("m4", "image", MediaId: fake.MediaId)));
        await Expect.Validation("type", () => alice.SendAsync(chat.ChatId, new SendMessage("m5", "video", MediaId: fake.MediaId)));
        Assert.Empty((await bob.GetMessagesAsync(chat.ChatId)).Messages);
    }

    [Fact]
    public async Task ConcurrentSendsOfOneUpload_AttachItOnce_AndEveryStoredMessageServesIt()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var carol = await Host.NewUserAsync();
        var withBob = await alice.OpenDirectAsync(bob.UserId);
        var withCarol = await alice.OpenDirectAsync(carol.UserId);
        var ticket = await alice.CreateMediaAsync("p.png", "image/png", Png.Length);
        using (await alice.UploadAsync(ticket, Png))
        {
        }

        var attempts = await Task.WhenAll(
            Attempt(() => alice.SendAsync(withBob.ChatId, new SendMessage("x-1", "image", MediaId: ticket.MediaId))),
            Attempt(() => alice.SendAsync(withCarol.ChatId, new SendMessage("x-2", "image", MediaId: ticket.MediaId))));

        Assert.Single(attempts, a => a is null);
        Assert.Single(attempts, a => a is ChatApiException { Status: 400 });
        var bobSees = (await bob.GetMessagesAsync(withBob.ChatId)).Messages.Count;
        var carolSees = (await carol.GetMessagesAsync(withCarol.ChatId)).Messages.Count;
        Assert.Equal(1, bobSees + carolSees);
        var receiver = bobSees == 1 ? bob : carol;
        using var plain = new HttpClient();
        using var download = await plain.GetAsync(await receiver.GetMediaUrlAsync(ticket.MediaId));
        Assert.Equal(Png, await download.Content.ReadAsByteArrayAsync());
        await Expect.Problem(404, () => (bobSees == 1 ? carol : bob).GetMediaUrlAsync(ticket.MediaId));

        static async Task<Exception?> Attempt(Func<Task> send)
        {
            try
            {
                await send();
                return null;
            }
            catch (ChatApiException e)
            {
                return e;
            }
        }
    }

    [Fact]
    public async Task DeletingTheMessage_WithdrawsItsMedia_FromEveryone()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var ticket = await alice.CreateMediaAsync("private.png", "image/png", Png.Length);
        using (await alice.UploadAsync(ticket, Png))
        {
        }

        var sent = await alice.SendAsync(chat.ChatId, new SendMessage("secret-1", "image", MediaId: ticket.MediaId));
        Assert.NotNull(await bob.GetMediaUrlAsync(ticket.MediaId));

        await alice.DeleteMessageAsync(chat.ChatId, sent.Seq);

        await Expect.Problem(404, () => bob.GetMediaUrlAsync(ticket.MediaId));
        await Expect.Problem(404, () => alice.GetMediaUrlAsync(ticket.MediaId));
        var shown = Assert.Single((await bob.GetMessagesAsync(chat.ChatId)).Messages);
        Assert.True(shown.Deleted);
        Assert.Null(shown.Media);
        var blob = new Azure.Storage.Blobs.BlobContainerClient(backend.Storage.ConnectionString, Host.MediaContainer).GetBlobClient(ticket.MediaId);
        Assert.False(await blob.ExistsAsync());
    }

    [Fact]
    public async Task Documents_AreServedAsAttachments()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var pdf = "%PDF-1.4 tiny"u8.ToArray();
        var ticket = await alice.CreateMediaAsync("report.pdf", "application/pdf", pdf.Length);
        using (await alice.UploadAsync(ticket, pdf))
        {
        }

        await alice.SendAsync(chat.ChatId, new SendMessage("doc-1", "file", MediaId: ticket.MediaId));
        using var plain = new HttpClient();
        using var download = await plain.GetAsync(await bob.GetMediaUrlAsync(ticket.MediaId));
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task NonAsciiFileName_Downloads_ThroughAFollowableRedirect_WithTheUtf8NameInTheDisposition()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var pdf = "%PDF-1.4 r\u00e9sum\u00e9"u8.ToArray();
        var ticket = await alice.CreateMediaAsync("résumé \"final\".pdf", "application/pdf", pdf.Length);
        Assert.True(Uri.IsWellFormedUriString(ticket.UploadUrl, UriKind.Absolute));
        using (var upload = await alice.UploadAsync(ticket, pdf))
        {
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        await alice.SendAsync(chat.ChatId, new SendMessage("cv-1", "file", MediaId: ticket.MediaId));

        // What a browser does: GET the API route with the token and follow the 302 to the blob.
        using var api = new HttpClient { BaseAddress = Host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/media/{ticket.MediaId}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bob.Tokens!.AccessToken);
        using var followed = await api.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, followed.StatusCode);
        Assert.Equal(pdf, await followed.Content.ReadAsByteArrayAsync());
        var disposition = followed.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal("résumé \"final\".pdf", disposition.FileNameStar);
        Assert.Equal("resume _final_.pdf", disposition.FileName?.Trim('"'));

        var location = await bob.GetMediaUrlAsync(ticket.MediaId);
        Assert.True(location.IsAbsoluteUri);
        Assert.True(Uri.IsWellFormedUriString(location.AbsoluteUri, UriKind.Absolute));
        var rscd = System.Web.HttpUtility.ParseQueryString(location.Query)["rscd"];
        Assert.Equal("attachment; filename=\"resume _final_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf", rscd);
    }

    [Fact]
    public async Task Video_WhoseBytesAreNotVideo_Is422_AndAudioToo()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var html = "<html><script>alert(1)</script></html>"u8.ToArray();

        var video = await UploadAsync(alice, "clip.mp4", "video/mp4", html);
        await Expect.Problem(422, () => alice.SendAsync(chat.ChatId, new SendMessage("v-1", "video", MediaId: video)));
        var audio = await UploadAsync(alice, "voice.ogg", "audio/ogg", html);
        await Expect.Problem(422, () => alice.SendAsync(chat.ChatId, new SendMessage("a-1", "audio", MediaId: audio)));
        var webmAsMp4 = await UploadAsync(alice, "clip2.mp4", "video/mp4", MinimalWebM);
        await Expect.Problem(422, () => alice.SendAsync(chat.ChatId, new SendMessage("v-2", "video", MediaId: webmAsMp4)));
        Assert.Empty((await bob.GetMessagesAsync(chat.ChatId)).Messages);
    }

    [Theory]
    [InlineData("clip.mp4", "video/mp4", "video")]
    [InlineData("clip.webm", "video/webm", "video")]
    [InlineData("voice.m4a", "audio/mp4", "audio")]
    public async Task RealVideoAndAudioHeaders_AreAccepted_AndServedInline(string fileName, string contentType, string type)
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var bytes = contentType == "video/webm" ? MinimalWebM : MinimalMp4(contentType == "audio/mp4" ? "M4A " : "isom");
        var media = await UploadAsync(alice, fileName, contentType, bytes);

        var sent = await alice.SendAsync(chat.ChatId, new SendMessage("av-1", type, MediaId: media));

        Assert.Null(sent.Media!.ThumbnailUrl);
        using var plain = new HttpClient();
        using var download = await plain.GetAsync(await bob.GetMediaUrlAsync(media));
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(contentType, download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", download.Content.Headers.ContentDisposition!.DispositionType);
    }

    [Fact]
    public async Task UnverifiedFiles_AreServedAsAttachments_EvenAnImageNotYetAttached()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var text = "<html>not run by the browser</html>"u8.ToArray();
        var note = await UploadAsync(alice, "note.txt", "text/plain", text);
        await alice.SendAsync(chat.ChatId, new SendMessage("t-1", "file", MediaId: note));
        var draft = await UploadAsync(alice, "draft.png", "image/png", text);

        using var plain = new HttpClient();
        using (var download = await plain.GetAsync(await bob.GetMediaUrlAsync(note)))
        {
            Assert.Equal(text, await download.Content.ReadAsByteArrayAsync());
            Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        }

        using (var pending = await plain.GetAsync(await alice.GetMediaUrlAsync(draft)))
        {
            Assert.Equal("attachment", pending.Content.Headers.ContentDisposition!.DispositionType);
        }
    }

    [Fact]
    public async Task UploadTickets_The61stInAMinute_Is429WithRetryAfter_ForThatUserOnly()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        for (var i = 0; i < 60; i++)
        {
            await alice.CreateMediaAsync($"p{i}.png", "image/png", Png.Length);
        }

        var limited = await Expect.Problem(429, () => alice.CreateMediaAsync("p60.png", "image/png", Png.Length));
        Assert.NotNull(limited.RetryAfter);
        Assert.InRange(limited.RetryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        await bob.CreateMediaAsync("b.png", "image/png", Png.Length);
    }

    /// <summary>The EBML header of a WebM file (DocType "webm").</summary>
    private static readonly byte[] MinimalWebM =
    [
        0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0xF7, 0x81, 0x01, 0x42, 0xF2, 0x81, 0x04,
        0x42, 0xF3, 0x81, 0x08, 0x42, 0x82, 0x84, (byte)'w', (byte)'e', (byte)'b', (byte)'m', 0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02,
    ];

    /// <summary>An ISO base media file: an ftyp box with <paramref name="brand"/> and an empty moov box.</summary>
    private static byte[] MinimalMp4(string brand) =>
    [
        0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', .. System.Text.Encoding.ASCII.GetBytes(brand), 0, 0, 2, 0,
        .. System.Text.Encoding.ASCII.GetBytes(brand), (byte)'m', (byte)'p', (byte)'4', (byte)'1',
        0, 0, 0, 8, (byte)'m', (byte)'o', (byte)'o', (byte)'v',
    ];

    private static async Task<string> UploadAsync(ChatClient client, string fileName, string contentType, byte[] bytes)
    {
        var ticket = await client.CreateMediaAsync(fileName, contentType, bytes.Length);
        using var upload = await client.UploadAsync(ticket, bytes);
        Assert.True(upload.IsSuccessStatusCode);
        return ticket.MediaId;
    }
}
