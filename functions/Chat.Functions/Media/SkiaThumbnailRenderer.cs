namespace Chat.Functions.Media;

using Chat.Core.Media;
using Chat.Core.Ports;
using SkiaSharp;

/// <summary>
/// Thumbnails with SkiaSharp, in bounded memory: the header is read first and images above the
/// pixel cap are refused; the image is then decoded at no more than twice the thumbnail size
/// (<see cref="PngRowSampler"/> for non-interlaced PNG; the codec's own scaling for WebP, and for
/// JPEG down to its smallest step of 1/8); what can do neither (GIF, interlaced PNG) is decoded
/// in full only up to
/// <see cref="ThumbnailLimits.MaxDecodedPixels"/>. A seekable blob stream is read in place, never
/// copied whole (any other stream is copied, at most the 16 MiB media limit).
/// </summary>
public sealed class SkiaThumbnailRenderer : IThumbnailRenderer
{
    private const SKColorType Color = SKColorType.Rgba8888;

    public byte[] Render(Stream image, ThumbnailLimits limits)
    {
        using var decoded = Decode(image, limits);
        var scale = Math.Min(1f, (float)limits.MaxSide / Math.Max(decoded.Width, decoded.Height));
        var width = Math.Max(1, (int)Math.Round(decoded.Width * scale));
        var height = Math.Max(1, (int)Math.Round(decoded.Height * scale));
        using var resized = decoded.Resize(new SKImageInfo(width, height, Color, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new InvalidDataException("The image could not be resized.");
        using var encoded = resized.Encode(SKEncodedImageFormat.Jpeg, 80) ?? throw new InvalidDataException("The thumbnail could not be encoded.");
        return encoded.ToArray();
    }

    public bool CanRender(Stream head, bool complete, ThumbnailLimits limits)
    {
        using var seekable = Seekable(head);
        using var codec = SKCodec.Create(new SKManagedStream(seekable, disposeManagedStream: false), out var result);
        if (codec is null)
        {
            return !complete && result == SKCodecResult.IncompleteInput;
        }

        return Plan(codec, seekable, limits) is not null;
    }

    /// <summary>The bitmap a thumbnail is made from: the whole image, at most twice the thumbnail's
    /// longest side per side, or (for formats that cannot decode smaller) at most
    /// <see cref="ThumbnailLimits.MaxDecodedPixels"/>. Throws <see cref="InvalidDataException"/> otherwise.</summary>
    public static SKBitmap Decode(Stream image, ThumbnailLimits limits)
    {
        using var seekable = Seekable(image);
        using var codec = SKCodec.Create(new SKManagedStream(seekable, disposeManagedStream: false), out var created)
            ?? throw new InvalidDataException("Not a decodable image (" + created + ").");
        var plan = Plan(codec, seekable, limits) ?? throw new InvalidDataException($"An image of {codec.Info.Width}x{codec.Info.Height} pixels is above the limits.");
        if (plan.Step == 1)
        {
            return DecodeWhole(codec, plan.Size);
        }

        try
        {
            seekable.Position = 0;
            return PngRowSampler.Decode(seekable, plan.Step);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The image ends early.", e);
        }
    }

    /// <summary>How to decode within the limits: at which (codec-scaled) size, and for a PNG read by
    /// rows how many pixels per side make one; null when it cannot be done.</summary>
    private static DecodePlan? Plan(SKCodec codec, Stream image, ThumbnailLimits limits)
    {
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > limits.MaxPixels)
        {
            return null;
        }

        var bound = 2 * limits.MaxSide;
        var longest = Math.Max(info.Width, info.Height);
        if (longest <= bound)
        {
            return new DecodePlan(new SKSizeI(info.Width, info.Height), 1);
        }

        var scaled = codec.GetScaledDimensions((float)bound / longest);
        if (scaled.Width <= 0 || scaled.Height <= 0)
        {
            scaled = new SKSizeI(info.Width, info.Height);
        }

        if (Math.Max(scaled.Width, scaled.Height) <= bound)
        {
            return new DecodePlan(scaled, 1);
        }

        if (codec.EncodedFormat == SKEncodedImageFormat.Png)
        {
            var at = image.Position;
            image.Position = 0;
            var interlaced = PngRowSampler.IsInterlaced(image);
            image.Position = at; // the codec reads on from where it was
            if (!interlaced)
            {
                return new DecodePlan(new SKSizeI(info.Width, info.Height), (longest + bound - 1) / bound);
            }
        }

        return (long)scaled.Width * scaled.Height <= limits.MaxDecodedPixels ? new DecodePlan(scaled, 1) : null;
    }

    private static SKBitmap DecodeWhole(SKCodec codec, SKSizeI size)
    {
        var bitmap = new SKBitmap(new SKImageInfo(size.Width, size.Height, Color, SKAlphaType.Premul));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            bitmap.Dispose();
            throw new InvalidDataException("The image could not be decoded (" + result + ").");
        }

        return bitmap;
    }

    /// <summary>The stream itself when it can seek (a blob read stream can); otherwise a copy.</summary>
    private static Stream Seekable(Stream image)
    {
        if (image.CanSeek)
        {
            return new NonClosing(image);
        }

        var copy = new MemoryStream();
        image.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    private sealed record DecodePlan(SKSizeI Size, int Step);

    /// <summary>Leaves the caller's stream open: the caller disposes what it opened.</summary>
    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
