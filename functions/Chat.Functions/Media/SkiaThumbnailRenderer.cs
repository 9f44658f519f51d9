namespace Chat.Functions.Media;

using Chat.Core.Ports;
using SkiaSharp;

/// <summary>Thumbnails with SkiaSharp: reads the dimensions from the header first and refuses images
/// above the pixel cap, then decodes at a reduced scale where the codec supports it.</summary>
public sealed class SkiaThumbnailRenderer : IThumbnailRenderer
{
    public byte[] Render(Stream image, int maxSide, long maxPixels)
    {
        using var buffered = new MemoryStream();
        image.CopyTo(buffered);
        buffered.Position = 0;
        using var codec = SKCodec.Create(buffered) ?? throw new InvalidDataException("Not a decodable image.");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > maxPixels)
        {
            throw new InvalidDataException($"Image of {info.Width}x{info.Height} pixels is above the cap.");
        }

        var scale = Math.Min(1f, (float)maxSide / Math.Max(info.Width, info.Height));
        var decodeSize = codec.GetScaledDimensions(Math.Max(scale, 1f / 8));
        using var decoded = new SKBitmap(new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(decoded.Info, decoded.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new InvalidDataException("The image could not be decoded: " + result);
        }

        var width = Math.Max(1, (int)Math.Round(info.Width * scale));
        var height = Math.Max(1, (int)Math.Round(info.Height * scale));
        using var resized = decoded.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new InvalidDataException("The image could not be resized.");
        using var encoded = resized.Encode(SKEncodedImageFormat.Jpeg, 80) ?? throw new InvalidDataException("The thumbnail could not be encoded.");
        return encoded.ToArray();
    }
}
