namespace Chat.Core.Media;

using System.ComponentModel.DataAnnotations;

/// <summary>Media limits and lifetimes (<c>Media</c> section); storage settings live with the adapter.</summary>
public sealed class MediaOptions : IValidatableObject
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

    /// <summary>Thumbnails rendered at once per instance; each holds a decoded bitmap of up to
    /// <see cref="MaxDecodedPixels"/> pixels (4 bytes each).</summary>
    [Range(1, 64)] public int ThumbnailConcurrency { get; set; } = 2;

    /// <summary>The largest bitmap a render may decode. Formats that decode at a reduced size (JPEG,
    /// WebP, non-interlaced PNG) stay at most twice the thumbnail size; others (GIF, interlaced PNG)
    /// decode in full, and above this get no thumbnail.</summary>
    [Range(1024, 256L * 1024 * 1024)] public long MaxDecodedPixels { get; set; } = 4096L * 4096;

    public ThumbnailLimits Thumbnails => new(ThumbnailMaxSide, MaxImagePixels, MaxDecodedPixels);

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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // An upload URL outliving its pending record could create a blob nobody can attach.
        if (UploadUrlLifetime <= TimeSpan.Zero || UploadUrlLifetime > UnattachedLifetime)
        {
            yield return new ValidationResult("Media:UploadUrlLifetime must be positive and at most Media:UnattachedLifetime.", [nameof(UploadUrlLifetime)]);
        }
    }
}
