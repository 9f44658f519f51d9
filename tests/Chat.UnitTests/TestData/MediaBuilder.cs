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

    /// <summary>Bytes that start none of the accepted image types (an SVG/HTML payload).</summary>
    public static byte[] NotAnImage => Encoding.ASCII.GetBytes("<svg onload=alert(1)>");

    /// <summary>The first bytes of a valid file of <paramref name="contentType"/>; arbitrary bytes for non-images.</summary>
    public static byte[] HeadOf(string contentType) => contentType switch
    {
        "image/jpeg" => Jpeg,
        "image/png" => Png,
        "image/gif" => Gif89,
        "image/webp" => Webp,
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
