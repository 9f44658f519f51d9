namespace Chat.Functions.Media;

using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using SkiaSharp;

/// <summary>
/// Decodes a non-interlaced PNG one row at a time and averages each step x step block into one
/// pixel, so memory is two rows plus the small result. Skia's PNG codec in SkiaSharp 4.155 can
/// neither scale nor decode by scanlines (both answer Unimplemented), so a large PNG would
/// otherwise need its whole bitmap (7000 x 7000 = 196 MB).
/// </summary>
public static class PngRowSampler
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>True when the PNG at the stream's start is interlaced (Adam7), which cannot be read row by row.</summary>
    public static bool IsInterlaced(Stream png)
    {
        Span<byte> head = stackalloc byte[29];
        return png.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length || head[28] != 0;
    }

    public static SKBitmap Decode(Stream png, int step)
    {
        Span<byte> signature = stackalloc byte[8];
        png.ReadExactly(signature);
        if (!signature.SequenceEqual(Signature))
        {
            throw new InvalidDataException("Not a PNG.");
        }

        Header? header = null;
        var palette = Array.Empty<byte>();
        var paletteAlpha = Array.Empty<byte>();
        Span<byte> crc = stackalloc byte[4];
        while (true)
        {
            var (length, type) = ReadChunkHeader(png);
            if (type == "IDAT")
            {
                var h = header ?? throw new InvalidDataException("PNG image data before its header.");
                using var pixels = new ZLibStream(new IdatStream(png, length), CompressionMode.Decompress);
                return Sample(pixels, h, palette, paletteAlpha, step);
            }

            var data = length <= 1 << 20 ? new byte[length] : throw new InvalidDataException("A PNG chunk before the image data is too large.");
            png.ReadExactly(data);
            png.ReadExactly(crc);
            switch (type)
            {
                case "IHDR":
                    header = ReadHeader(data);
                    break;
                case "PLTE":
                    palette = data;
                    break;
                case "tRNS":
                    paletteAlpha = data;
                    break;
                case "IEND":
                    throw new InvalidDataException("A PNG without image data.");
            }
        }
    }

    private static Header ReadHeader(byte[] data)
    {
        if (data.Length < 13)
        {
            throw new InvalidDataException("A short PNG header.");
        }

        var header = new Header(BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4)), data[8], data[9]);
        var valid = header.Width > 0 && header.Height > 0 && data[12] == 0 && header.ColorType switch
        {
            0 => header.BitDepth is 1 or 2 or 4 or 8 or 16,
            3 => header.BitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => header.BitDepth is 8 or 16,
            _ => false,
        };
        return valid ? header : throw new InvalidDataException("An unsupported or interlaced PNG.");
    }

    private static SKBitmap Sample(Stream pixels, Header h, byte[] palette, byte[] paletteAlpha, int step)
    {
        var channels = h.ColorType switch { 0 or 3 => 1, 4 => 2, 2 => 3, _ => 4 };
        var bitsPerPixel = channels * h.BitDepth;
        var rowLength = (int)(((long)h.Width * bitsPerPixel + 7) / 8);
        var filterStride = Math.Max(1, bitsPerPixel / 8);
        var outWidth = (h.Width + step - 1) / step;
        var outHeight = (h.Height + step - 1) / step;
        var bitmap = new SKBitmap(new SKImageInfo(outWidth, outHeight, SKColorType.Rgba8888, SKAlphaType.Premul));
        var row = new byte[rowLength + 1];
        var previous = new byte[rowLength + 1];
        var sums = new long[outWidth * 4];
        var output = new byte[outWidth * 4];
        try
        {
            for (var y = 0; y < h.Height; y++)
            {
                if (pixels.ReadAtLeast(row, row.Length, throwOnEndOfStream: false) < row.Length)
                {
                    break; // a truncated image keeps the rows it has, like Skia's IncompleteInput
                }

                Unfilter(row, previous, filterStride);
                for (var x = 0; x < h.Width; x++)
                {
                    var (r, g, b, a) = Pixel(row.AsSpan(1), x, h, palette, paletteAlpha);
                    var o = x / step * 4;
                    sums[o] += r * a;
                    sums[o + 1] += g * a;
                    sums[o + 2] += b * a;
                    sums[o + 3] += a;
                }

                (row, previous) = (previous, row);
                if ((y + 1) % step == 0 || y + 1 == h.Height)
                {
                    var rows = (y % step) + 1;
                    for (var ox = 0; ox < outWidth; ox++)
                    {
                        var count = (long)rows * Math.Min(step, h.Width - (ox * step));
                        output[(ox * 4) + 0] = (byte)(sums[(ox * 4) + 0] / (count * 255));
                        output[(ox * 4) + 1] = (byte)(sums[(ox * 4) + 1] / (count * 255));
                        output[(ox * 4) + 2] = (byte)(sums[(ox * 4) + 2] / (count * 255));
                        output[(ox * 4) + 3] = (byte)(sums[(ox * 4) + 3] / count);
                    }

                    Marshal.Copy(output, 0, bitmap.GetPixels() + (y / step * bitmap.RowBytes), output.Length);
                    Array.Clear(sums);
                }
            }
        }
        catch (InvalidDataException)
        {
            bitmap.Dispose();
            throw;
        }

        return bitmap;
    }

    /// <summary>Undoes the row's filter (its first byte) in place, against the previous unfiltered row.</summary>
    private static void Unfilter(byte[] row, byte[] previous, int stride)
    {
        var filter = row[0];
        for (var i = 1; i < row.Length; i++)
        {
            int left = i > stride ? row[i - stride] : 0;
            int up = previous[i];
            int upLeft = i > stride ? previous[i - stride] : 0;
            row[i] = filter switch
            {
                0 => row[i],
                1 => (byte)(row[i] + left),
                2 => (byte)(row[i] + up),
                3 => (byte)(row[i] + ((left + up) / 2)),
                4 => (byte)(row[i] + Paeth(left, up, upLeft)),
                _ => throw new InvalidDataException("An unknown PNG row filter."),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Pixel <paramref name="x"/> of an unfiltered row as 8-bit RGBA (16-bit samples keep their high byte).</summary>
    private static (int R, int G, int B, int A) Pixel(ReadOnlySpan<byte> row, int x, Header h, byte[] palette, byte[] paletteAlpha)
    {
        if (h.BitDepth < 8)
        {
            var bit = x * h.BitDepth;
            var value = (row[bit / 8] >> (8 - h.BitDepth - (bit % 8))) & ((1 << h.BitDepth) - 1);
            if (h.ColorType == 3)
            {
                return FromPalette(value, palette, paletteAlpha);
            }

            var gray = value * 255 / ((1 << h.BitDepth) - 1);
            return (gray, gray, gray, 255);
        }

        var size = h.BitDepth / 8;
        var at = x * Channels(h.ColorType) * size;
        return h.ColorType switch
        {
            0 => (row[at], row[at], row[at], 255),
            2 => (row[at], row[at + size], row[at + (2 * size)], 255),
            3 => FromPalette(row[at], palette, paletteAlpha),
            4 => (row[at], row[at], row[at], row[at + size]),
            _ => (row[at], row[at + size], row[at + (2 * size)], row[at + (3 * size)]),
        };
    }

    private static int Channels(byte colorType) => colorType switch { 0 or 3 => 1, 4 => 2, 2 => 3, _ => 4 };

    private static (int R, int G, int B, int A) FromPalette(int index, byte[] palette, byte[] paletteAlpha) =>
        (index * 3) + 2 < palette.Length
            ? (palette[index * 3], palette[(index * 3) + 1], palette[(index * 3) + 2], index < paletteAlpha.Length ? paletteAlpha[index] : 255)
            : throw new InvalidDataException("A PNG palette index out of range.");

    private static (int Length, string Type) ReadChunkHeader(Stream png)
    {
        Span<byte> header = stackalloc byte[8];
        png.ReadExactly(header);
        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        return length >= 0 ? (length, System.Text.Encoding.ASCII.GetString(header[4..])) : throw new InvalidDataException("A PNG chunk of negative length.");
    }

    private sealed record Header(int Width, int Height, byte BitDepth, byte ColorType);

    /// <summary>The image data of consecutive IDAT chunks as one stream, without their chunk framing.</summary>
    private sealed class IdatStream(Stream png, int firstLength) : Stream
    {
        private readonly byte[] crc = new byte[4];
        private int left = firstLength;
        private bool ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (left == 0 && !ended)
            {
                png.ReadExactly(crc); // of the chunk just read
                var (length, type) = ReadChunkHeader(png);
                ended = type != "IDAT";
                left = ended ? 0 : length;
            }

            if (ended || buffer.Length == 0)
            {
                return 0;
            }

            var read = png.Read(buffer[..Math.Min(buffer.Length, left)]);
            if (read == 0)
            {
                ended = true;
            }

            left -= read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
