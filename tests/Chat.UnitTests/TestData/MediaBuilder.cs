namespace Chat.UnitTests.TestData;

using System.Text;
using Chat.Core.Media;

/// <summary>Builds media records (created at <see cref="TestClock.Start"/>) and the first bytes of real image formats.</summary>
public static class MediaBuilder
{
    public const string BlobETag = "\"0x8DCBLOB\"";

    public static byte[] Jpeg => [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00, 0x01];

    public static byte[] Png => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D];

    public static byte[] Gif87 => Encoding.ASCII.GetBytes("GIF87a\x01\x00\x01\x00");

    public static byte[] Gif89 => Encoding.ASCII.GetBytes("GIF89a\x01\x00\x01\x00");

    public static byte[] Webp => Encoding.ASCII.GetBytes("RIFF\x24\x00\x00\x00WEBPVP8 ");

    /// <summary>An MP4 starts with its ftyp box (size, "ftyp", major brand).</summary>
    public static byte[] Mp4 => [0x00, 0x00, 0x00, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m', 0, 0, 2, 0];

    public static byte[] QuickTime => [0x00, 0x00, 0x00, 0x14, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'q', (byte)'t', (byte)' ', (byte)' ', 0, 0, 2, 0];

    public static byte[] M4a => [0x00, 0x00, 0x00, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'M', (byte)'4', (byte)'A', (byte)' ', 0, 0, 0, 0];

    /// <summary>WebM and Matroska start with the EBML magic.</summary>
    public static byte[] WebM => [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0xF7, 0x81, 0x01, 0x42, 0xF2, 0x81];

    public static byte[] Ogg => Encoding.ASCII.GetBytes("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00");

    public static byte[] Mp3WithId3 => Encoding.ASCII.GetBytes("ID3\x04\x00\x00\x00\x00\x00\x00");

    /// <summary>An MPEG-1 Layer III frame header: 128 kbit/s, 44.1 kHz.</summary>
    public static byte[] Mp3Frame => [0xFF, 0xFB, 0x90, 0x64, 0x00, 0x00, 0x00, 0x00];

    public static byte[] AacAdts => [0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC, 0x00];

    public static byte[] AacAdtsMpeg2 => [0xFF, 0xF9, 0x50, 0x80, 0x02, 0x1F, 0xFC, 0x00];

    public static byte[] Wav => Encoding.ASCII.GetBytes("RIFF\x24\x08\x00\x00WAVEfmt ");

    /// <summary>Bytes that start none of the accepted image types (an SVG/HTML payload).</summary>
    public static byte[] NotAnImage => Encoding.ASCII.GetBytes("<svg onload=alert(1)>");

    /// <summary>The first bytes of a valid file of <paramref name="contentType"/>; arbitrary bytes for types without a signature.</summary>
    public static byte[] HeadOf(string contentType) => contentType switch
    {
        "image/jpeg" => Jpeg,
        "image/png" => Png,
        "image/gif" => Gif89,
        "image/webp" => Webp,
        "video/mp4" => Mp4,
        "video/quicktime" => QuickTime,
        "video/webm" or "audio/webm" => WebM,
        "audio/mp4" => M4a,
        "audio/mpeg" => Mp3WithId3,
        "audio/aac" => AacAdts,
        "audio/ogg" => Ogg,
        "audio/wav" => Wav,
        _ => Encoding.ASCII.GetBytes("%PDF-1.7 or whatever"),
    };

    public static MediaRecord Pending(
        string mediaId = "media1",
        string ownerId = "alice",
        string contentType = "image/jpeg",
        long sizeBytes = 1000,
        DateTimeOffset? createdAt = null) => new()
        {
            MediaId = mediaId,
            OwnerId = ownerId,
            FileName = "file-" + mediaId,
            ContentType = contentType,
            SizeBytes = sizeBytes,
            CreatedAt = createdAt ?? TestClock.Start,
        };

    public static MediaRecord Attached(
        string chatId,
        long seq,
        string mediaId = "media1",
        string ownerId = "alice",
        string contentType = "image/jpeg",
        long sizeBytes = 1000,
        DateTimeOffset? createdAt = null) =>
        Pending(mediaId, ownerId, contentType, sizeBytes, createdAt) with
        {
            State = MediaStates.Attached,
            Carriers = [new MediaCarrier(chatId, seq)],
            BlobETag = BlobETag,
        };

    /// <summary>Attached media as records before forwarding stored it: one carrier in ChatId/Seq.</summary>
    public static MediaRecord AttachedBeforeForwarding(string chatId, long seq, string mediaId = "media1", string ownerId = "alice") =>
        Pending(mediaId, ownerId) with
        {
            State = MediaStates.Attached,
            ChatId = chatId,
            Seq = seq,
            BlobETag = BlobETag,
        };

    public static MediaRecord Avatar(string mediaId = "avatar1", string ownerId = "alice", DateTimeOffset? createdAt = null) =>
        Pending(mediaId, ownerId, "image/png", 1000, createdAt) with
        {
            State = MediaStates.Attached,
            IsAvatar = true,
            BlobETag = BlobETag,
        };
}
