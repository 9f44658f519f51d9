namespace Chat.UnitTests.Adapters;

using Chat.Core.Media;
using Chat.Functions.Media;
using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;
using Chat.Tests.Shared;

public sealed class SkiaThumbnailRendererTests
{
    private static readonly ThumbnailLimits Limits = new MediaOptions().Thumbnails;

    private readonly SkiaThumbnailRenderer renderer = new();

    [Fact]
    public void Decode_7000x7000Png_DecodesAtMostTwiceTheThumbnailSize()
    {
        var png = FlatPng(7000, 7000);
        Assert.True(png.Length < 1024 * 1024, $"the flat test image is small on disk ({png.Length} bytes)");

        using var decoded = SkiaThumbnailRenderer.Decode(new MemoryStream(png), Limits);

        Assert.InRange(decoded.Width, Limits.MaxSide, 2 * Limits.MaxSide);
        Assert.InRange(decoded.Height, Limits.MaxSide, 2 * Limits.MaxSide);
        Assert.Equal(SKColors.SeaGreen, decoded.GetPixel(decoded.Width / 2, decoded.Height / 2));
    }

    [Fact]
    public void Decode_LargeJpeg_UsesTheCodecsScaling_AtMostItsEighth()
    {
        using var decoded = SkiaThumbnailRenderer.Decode(new MemoryStream(Encode(6000, 4000, SKEncodedImageFormat.Jpeg)), Limits);

        Assert.Equal((750, 500), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void Decode_MidSizeJpeg_ScalesToWithinTwiceTheThumbnailSize()
    {
        using var decoded = SkiaThumbnailRenderer.Decode(new MemoryStream(Encode(2400, 1600, SKEncodedImageFormat.Jpeg)), Limits);

        Assert.InRange(Math.Max(decoded.Width, decoded.Height), Limits.MaxSide, 2 * Limits.MaxSide);
    }

    [Fact]
    public void Decode_SmallImage_IsDecodedWhole()
    {
        using var decoded = SkiaThumbnailRenderer.Decode(new MemoryStream(FlatPng(300, 200)), Limits);

        Assert.Equal((300, 200), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void Render_7000x7000Png_IsAJpegOfTheThumbnailSize()
    {
        var jpeg = renderer.Render(new MemoryStream(FlatPng(7000, 3500)), Limits);

        using var thumbnail = SKBitmap.Decode(jpeg);
        Assert.Equal((320, 160), (thumbnail.Width, thumbnail.Height));
    }

    [Fact]
    public void Decode_AnInterlacedPng_CannotDecodeSmaller_IsDecodedWholeWithinTheBudget_AndRefusedAboveIt()
    {
        var interlaced = FlatInterlacedPng(1500, 1500);
        var tight = Limits with { MaxDecodedPixels = 1000 * 1000 };

        Assert.Throws<InvalidDataException>(() => SkiaThumbnailRenderer.Decode(new MemoryStream(interlaced), tight));
        Assert.False(renderer.CanRender(new MemoryStream(interlaced), complete: true, tight));
        using var within = SkiaThumbnailRenderer.Decode(new MemoryStream(interlaced), Limits);
        Assert.Equal((1500, 1500), (within.Width, within.Height));
    }

    [Fact]
    public void CanRender_CorruptHeader_OrAbovePixelCap_IsFalse_AndATruncatedGoodHeadIsTrue()
    {
        byte[] corrupt = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8];
        var png = FlatPng(7000, 7000);

        Assert.False(renderer.CanRender(new MemoryStream(corrupt), complete: true, Limits));
        Assert.False(renderer.CanRender(new MemoryStream(png), complete: true, Limits with { MaxPixels = 1_000_000 }));
        Assert.True(renderer.CanRender(new MemoryStream(png, 0, Math.Min(png.Length, 4096)), complete: false, Limits));
        Assert.Throws<InvalidDataException>(() => renderer.Render(new MemoryStream(corrupt), Limits));
    }

    // ---- Content-Disposition ----

    [Theory]
    [InlineData("report.pdf", "attachment; filename=\"report.pdf\"")]
    [InlineData("résumé.pdf", "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")]
    [InlineData("日本語.txt", "attachment; filename=\"___.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.txt")]
    [InlineData("say \"hi\".txt", "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt")]
    [InlineData("back\\slash;100%.txt", "attachment; filename=\"back_slash;100_.txt\"; filename*=UTF-8''back%5Cslash%3B100%25.txt")]
    [InlineData("line\r\nbreak\u0000.txt", "attachment; filename=\"line__break_.txt\"")]
    [InlineData("", "attachment; filename=\"file\"")]
    public void Attachment_QuotesAnAsciiName_AndAddsTheUtf8NameWhenItDiffers(string fileName, string expected) =>
        Assert.Equal(expected, ContentDispositionBuilder.Attachment(fileName));

    [Fact]
    public void Inline_KeepsTheNameToo_AndEveryValueIsPrintableAscii()
    {
        var value = ContentDispositionBuilder.Inline("été 🎉\u0085.mp4");

        Assert.StartsWith("inline; filename=\"ete ___.mp4\"; filename*=UTF-8''", value, StringComparison.Ordinal);
        Assert.All(value, c => Assert.InRange(c, ' ', '~'));
        Assert.True(System.Net.Http.Headers.ContentDispositionHeaderValue.TryParse(value, out var parsed));
        Assert.Equal("été 🎉_.mp4", parsed.FileNameStar);
    }

    private static byte[] FlatPng(int width, int height) => Encode(width, height, SKEncodedImageFormat.Png);

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.SeaGreen);
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>A one-colour grey, Adam7-interlaced PNG written by hand (Skia writes no interlaced PNG).</summary>
    private static byte[] FlatInterlacedPng(int width, int height)
    {
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            (int X, int Y, int DX, int DY)[] passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
            foreach (var (x, y, dx, dy) in passes)
            {
                var passWidth = width > x ? (width - x + dx - 1) / dx : 0;
                var passHeight = height > y ? (height - y + dy - 1) / dy : 0;
                var row = new byte[passWidth + 1];
                Array.Fill(row, (byte)0x80, 1, passWidth);
                for (var r = 0; passWidth > 0 && r < passHeight; r++)
                {
                    z.Write(row);
                }
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (grey)
        header[12] = 1; // Adam7
        PngChunks.Write(png, "IHDR", header);
        PngChunks.Write(png, "IDAT", raw.ToArray());
        PngChunks.Write(png, "IEND", []);
        return png.ToArray();
    }
}

