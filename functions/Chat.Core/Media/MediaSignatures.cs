namespace Chat.Core.Media;

/// <summary>The first bytes each accepted image, video and audio type starts with. Only media whose
/// bytes were checked here are served inline; everything else comes as an attachment.</summary>
public static class MediaSignatures
{
    /// <summary>The content types whose first bytes are checked when attached (images, video, audio).</summary>
    public static bool IsVerifiable(string contentType) =>
        contentType.StartsWith("image/", StringComparison.Ordinal) || contentType.StartsWith("video/", StringComparison.Ordinal) || contentType.StartsWith("audio/", StringComparison.Ordinal);

    public static bool Matches(string contentType, ReadOnlySpan<byte> head) => contentType switch
    {
        "image/jpeg" => head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
        "image/png" => head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/gif" => head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8),
        "image/webp" => Riff(head, "WEBP"u8),
        "video/mp4" or "audio/mp4" => IsoBox(head, "ftyp"u8),
        "video/quicktime" => IsoBox(head, "ftyp"u8) || IsoBox(head, "moov"u8) || IsoBox(head, "mdat"u8) || IsoBox(head, "wide"u8) || IsoBox(head, "free"u8),
        "video/webm" or "audio/webm" => head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]),
        "audio/ogg" => head.StartsWith("OggS"u8),
        "audio/mpeg" => head.StartsWith("ID3"u8) || IsMpegAudioFrame(head),
        "audio/aac" => head.StartsWith("ID3"u8) || head.StartsWith("ADIF"u8) || IsAdtsFrame(head),
        "audio/wav" => Riff(head, "WAVE"u8),
        _ => false,
    };

    private static bool Riff(ReadOnlySpan<byte> head, ReadOnlySpan<byte> form) =>
        head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual(form);

    /// <summary>An ISO base media (MP4, MOV, M4A) file starts with a box: 4 bytes of size, then its type.</summary>
    private static bool IsoBox(ReadOnlySpan<byte> head, ReadOnlySpan<byte> type) => head.Length >= 8 && head[4..8].SequenceEqual(type);

    /// <summary>An MPEG audio frame header: 11 sync bits, a valid version, layer, bitrate and sample rate.</summary>
    private static bool IsMpegAudioFrame(ReadOnlySpan<byte> head) =>
        head.Length >= 3
        && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0
        && ((head[1] >> 3) & 0b11) != 0b01
        && ((head[1] >> 1) & 0b11) != 0b00
        && (head[2] >> 4) != 0b1111
        && ((head[2] >> 2) & 0b11) != 0b11;

    /// <summary>An ADTS (AAC) frame header: 12 sync bits and layer 00 (FFF1 for MPEG-4, FFF9 for MPEG-2; either protection bit).</summary>
    private static bool IsAdtsFrame(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xF6) == 0xF0;
}
