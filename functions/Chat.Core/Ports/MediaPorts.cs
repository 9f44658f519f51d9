namespace Chat.Core.Ports;

using Chat.Core.Common;
using Chat.Core.Media;

/// <summary>Media records, one per upload, looked up by id.</summary>
public interface IMediaStore
{
    Task<Versioned<MediaRecord>?> GetAsync(string mediaId, CancellationToken ct);

    Task CreateAsync(MediaRecord media, CancellationToken ct);

    Task<bool> TryReplaceAsync(MediaRecord media, string etag, CancellationToken ct);

    Task DeleteAsync(string mediaId, CancellationToken ct);
}

/// <summary>The blobs behind media (Blob Storage; Azurite locally). Bytes never pass through the API.</summary>
public interface IMediaBlobs
{
    /// <summary>A create-only URL for exactly one new blob, and the headers the upload must carry.</summary>
    Task<UploadTicket> CreateUploadAsync(string mediaId, string contentType, DateTimeOffset expiresAt, CancellationToken ct);

    /// <summary>Size, ETag and the first bytes of the blob; null when nothing was uploaded.</summary>
    Task<BlobFacts?> InspectAsync(string mediaId, CancellationToken ct);

    /// <summary>A short-lived read URL of the media (or of its thumbnail), with the response headers overridden.</summary>
    Task<Uri> CreateReadUrlAsync(MediaRecord media, bool thumbnail, CancellationToken ct);

    Task<Stream> OpenReadAsync(string mediaId, CancellationToken ct);

    Task SaveThumbnailAsync(string mediaId, byte[] jpeg, CancellationToken ct);

    /// <summary>The media ids that have a blob (thumbnails excluded), for clean-up sweeps.</summary>
    IAsyncEnumerable<string> ListAsync(CancellationToken ct);

    /// <summary>Deletes the media's blob and its thumbnail.</summary>
    Task DeleteAsync(string mediaId, CancellationToken ct);
}

/// <summary>Makes small previews of images; refuses images above its pixel cap before decoding them,
/// and decodes at most <see cref="ThumbnailLimits.MaxDecodedPixels"/> pixels.</summary>
public interface IThumbnailRenderer
{
    /// <summary>A JPEG whose longest side is at most <see cref="ThumbnailLimits.MaxSide"/>; throws
    /// <see cref="InvalidDataException"/> for a corrupt image or one that cannot be decoded within the limits.</summary>
    byte[] Render(Stream image, ThumbnailLimits limits);

    /// <summary>False when the first bytes of an image already show it cannot be thumbnailed (not
    /// decodable, or above the limits); true when it can, or when <paramref name="head"/> is too short
    /// to tell (unless it is the <paramref name="complete"/> file).</summary>
    bool CanRender(Stream head, bool complete, ThumbnailLimits limits);
}

/// <summary>Background work on media (a Storage queue in both hosts).</summary>
public interface IMediaJobs
{
    Task EnqueueThumbnailAsync(string mediaId, CancellationToken ct);
}
