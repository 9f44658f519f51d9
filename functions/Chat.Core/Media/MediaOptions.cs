namespace Chat.Core.Media;

using System.ComponentModel.DataAnnotations;

/// <summary>Media limits and lifetimes (<c>Media</c> section); storage settings live with the adapter.</summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    [Range(1, long.MaxValue)] public long MaxMediaBytes { get; set; } = 16L * 1024 * 1024;

    [Range(1, long.MaxValue)] public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Uploads never attached to a message are deleted after this.</summary>
    public TimeSpan UnattachedLifetime { get; set; } = TimeSpan.FromDays(1);

    [Range(32, 4096)] public int ThumbnailMaxSide { get; set; } = 320;

    /// <summary>Images with more pixels are refused unread (decompression bombs).</summary>
    [Range(1, long.MaxValue)] public long MaxImagePixels { get; set; } = 50_000_000;

    [MinLength(1)]
    public List<string> AllowedContentTypes { get; set; } =
    [
        "image/jpeg", "image/png", "image/gif", "image/webp",
        "video/mp4", "video/quicktime", "video/webm",
        "audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/webm", "audio/wav",
        "application/pdf", "text/plain", "application/zip",
        "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ];
}
