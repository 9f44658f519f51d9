namespace Chat.IntegrationTests;

using System.Buffers.Binary;
using System.IO.Compression;
using Chat.Functions.Queues;
using Microsoft.Extensions.DependencyInjection;
using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using SkiaSharp;
using Xunit;
using Chat.Tests.Shared;

[Collection(BackendCollection.Name)]
public sealed class ThumbnailTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Image_GetsASmallerThumbnail_CorruptAndPixelBombImagesEndWithoutOne_AndNeverReachPoison()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var bomb = await SendImageAsync(alice, chat.ChatId, "bomb", PixelBomb(100_000, 100_000));
        var corrupt = await SendImageAsync(alice, chat.ChatId, "corrupt", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8]);
        var photo = RealPng(1200, 800);
        var good = await SendImageAsync(alice, chat.ChatId, "good", photo);
        var shown = (await bob.GetMessagesAsync(chat.ChatId)).Messages.ToDictionary(m => m.Media!.MediaId, m => m.Media!);
        Assert.Equal($"/api/media/{good}/thumbnail", shown[good].ThumbnailUrl);
        Assert.Null(shown[bomb].ThumbnailUrl);
        Assert.Null(shown[corrupt].ThumbnailUrl);

        var bytes = await ThumbnailAsync(bob, good);
        Assert.True(bytes.Length < photo.Length);
        using var decoded = SKBitmap.Decode(bytes);
        Assert.Equal(320, Math.Max(decoded.Width, decoded.Height));

        await Expect.Problem(404, () => bob.GetMediaUrlAsync(bomb, thumbnail: true));
        await Expect.Problem(404, () => bob.GetMediaUrlAsync(corrupt, thumbnail: true));
        var poison = await Host.Services.GetRequiredService<StorageQueues>().GetAsync(QueueNames.MediaThumbnails + "-poison");
        var poisoned = await poison.ExistsAsync() ? (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToArray() : [];
        Assert.DoesNotContain(poisoned, b => b.Contains(bomb, StringComparison.Ordinal) || b.Contains(corrupt, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Huge7000x7000Png_GetsAThumbnailOfTheRightSize()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);
        var huge = RealPng(7000, 7000);
        Assert.True(huge.Length < 2 * 1024 * 1024, $"a flat 7000x7000 PNG is small on disk ({huge.Length} bytes)");

        var media = await SendImageAsync(alice, chat.ChatId, "huge", huge);

        using var decoded = SKBitmap.Decode(await ThumbnailAsync(bob, media));
        Assert.Equal((320, 320), (decoded.Width, decoded.Height));
        var middle = decoded.GetPixel(160, 160); // the orange-red circle survived the sampling
        Assert.InRange(middle.Red, (byte)200, (byte)255);
        Assert.InRange(middle.Blue, (byte)0, (byte)60);
    }

    private static async Task<byte[]> ThumbnailAsync(ChatClient viewer, string mediaId)
    {
        Uri? thumbnail = null;
        await Expect.Eventually(
            async () =>
            {
                try
                {
                    thumbnail = await viewer.GetMediaUrlAsync(mediaId, thumbnail: true);
                    return true;
                }
                catch (ChatApiException e) when (e.Status == 404)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "the thumbnail appears");
        using var plain = new HttpClient();
        return await plain.GetByteArrayAsync(thumbnail);
    }

    private static async Task<string> SendImageAsync(ChatClient sender, string chatId, string name, byte[] png)
    {
        var ticket = await sender.CreateMediaAsync(name + ".png", "image/png", png.Length);
        using (var upload = await sender.UploadAsync(ticket, png))
        {
            Assert.True(upload.IsSuccessStatusCode);
        }

        await sender.SendAsync(chatId, new SendMessage("msg-" + name, "image", MediaId: ticket.MediaId));
        return ticket.MediaId;
    }

    private static byte[] RealPng(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.SkyBlue);
            using var paint = new SKPaint { Color = SKColors.OrangeRed };
            canvas.DrawCircle(width / 2f, height / 2f, height / 3f, paint);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>A valid PNG of a few hundred bytes whose header claims <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    private static byte[] PixelBomb(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (grey)
        PngChunks.Write(png, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                z.Write(new byte[width + 1]); // one row of the promised hundred thousand
            }

            PngChunks.Write(png, "IDAT", raw.ToArray());
        }

        PngChunks.Write(png, "IEND", []);
        return png.ToArray();
    }
}
