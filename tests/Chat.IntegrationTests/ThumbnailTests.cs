namespace Chat.IntegrationTests;

using System.Buffers.Binary;
using System.IO.Compression;
using Chat.Functions.Queues;
using Microsoft.Extensions.DependencyInjection;
using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using SkiaSharp;
using Xunit;

[Collection(BackendCollection.Name)]
public sealed class ThumbnailTests(BackendFixture backend)
{
    private TestHost Host => backend.Host;

    [Fact]
    public async Task Image_GetsASmallerThumbnail_CorruptAndPixelBombImagesGoToPoison_WithoutBlockingOthers()
    {
        var alice = await Host.NewUserAsync();
        var bob = await Host.NewUserAsync();
        var chat = await alice.OpenDirectAsync(bob.UserId);

        var bomb = await SendImageAsync(alice, chat.ChatId, "bomb", PixelBomb(100_000, 100_000));
        var corrupt = await SendImageAsync(alice, chat.ChatId, "corrupt", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8]);
        var photo = RealPng(1200, 800);
        var good = await SendImageAsync(alice, chat.ChatId, "good", photo);
        Assert.Equal($"/api/media/{good}/thumbnail", (await bob.GetMessagesAsync(chat.ChatId)).Messages.Last().Media!.ThumbnailUrl);

        Uri? thumbnail = null;
        await Expect.Eventually(
            async () =>
            {
                try
                {
                    thumbnail = await bob.GetMediaUrlAsync(good, thumbnail: true);
                    return true;
                }
                catch (ChatApiException e) when (e.Status == 404)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "the thumbnail of a good image appears while bad ones fail");
        using var plain = new HttpClient();
        var bytes = await plain.GetByteArrayAsync(thumbnail);
        Assert.True(bytes.Length < photo.Length);
        using var decoded = SKBitmap.Decode(bytes);
        Assert.Equal(320, Math.Max(decoded.Width, decoded.Height));

        var poison = await Host.Services.GetRequiredService<StorageQueues>().GetAsync(QueueNames.MediaThumbnails + "-poison");
        await Expect.Eventually(
            async () =>
            {
                if (!await poison.ExistsAsync())
                {
                    return false;
                }

                var peeked = (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToArray();
                return peeked.Any(b => b.Contains(bomb, StringComparison.Ordinal)) && peeked.Any(b => b.Contains(corrupt, StringComparison.Ordinal));
            },
            TimeSpan.FromSeconds(90),
            "both bad images end in the poison queue after five tries");
        await Expect.Problem(404, () => bob.GetMediaUrlAsync(bomb, thumbnail: true));
        await Expect.Problem(404, () => bob.GetMediaUrlAsync(corrupt, thumbnail: true));
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
        Chunk(png, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                z.Write(new byte[width + 1]); // one row of the promised hundred thousand
            }

            Chunk(png, "IDAT", raw.ToArray());
        }

        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(body));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
