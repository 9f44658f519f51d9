namespace Chat.Core.Media;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Microsoft.Extensions.Options;

/// <summary>Uploads straight to Blob Storage through short-lived create-only URLs, checked when
/// attached to a message, and served to those who may see them through short-lived read URLs.</summary>
public sealed class MediaService(IMediaStore media, IMediaBlobs blobs, IChatStore chats, IMediaJobs jobs, IThumbnailRenderer thumbnails, IOptions<MediaOptions> options, TimeProvider time)
{
    private MediaOptions Options => options.Value;

    /// <summary>Registers an upload and returns its URL. Cost: 1 create (record), no blob call with an account key.</summary>
    public async Task<UploadTicket> CreateAsync(string callerId, CreateMediaRequest request, CancellationToken ct)
    {
        var fileName = DisplayName(request.FileName);
        new Validator()
            .When(fileName.Length == 0, "fileName", "is required (a display name, 1..255 characters).")
            .When(string.IsNullOrWhiteSpace(request.ContentType), "contentType", "is required.")
            .Required("sizeBytes", request.SizeBytes)
            .Range("sizeBytes", request.SizeBytes, 1, long.MaxValue)
            .ThrowIfInvalid();
        var contentType = request.ContentType!.Trim().ToLowerInvariant();
        if (!Options.AllowedContentTypes.Contains(contentType, StringComparer.Ordinal))
        {
            throw ChatErrors.Policy($"The content type '{contentType}' is not accepted.");
        }

        var limit = IsRichMedia(contentType) ? Options.MaxMediaBytes : Options.MaxFileBytes;
        if (request.SizeBytes > limit)
        {
            throw ChatErrors.TooLarge($"{contentType} files are limited to {limit} bytes.");
        }

        var now = time.GetUtcNow();
        var record = new MediaRecord
        {
            MediaId = Ids.NewId(),
            OwnerId = callerId,
            FileName = fileName,
            ContentType = contentType,
            SizeBytes = request.SizeBytes!.Value,
            CreatedAt = now,
        };
        await media.CreateAsync(record, ct);
        return await blobs.CreateUploadAsync(record.MediaId, contentType, now + Options.UploadUrlLifetime, ct);
    }

    /// <summary>Checks media about to be attached to a message of <paramref name="messageType"/>: the
    /// caller uploaded it, it is unused, the blob exists, is no larger than declared, and an image
    /// starts like one. With a <paramref name="claimKey"/> (the send's chat and client message id) it
    /// also reserves the media for that send, so a concurrent send of the same upload is refused
    /// (a retry of the same send passes). Cost: 1 point read, 1 blob properties call, 1 ranged read,
    /// and with a claim 1 replace.</summary>
    public async Task<(MediaRecord Media, string ETag)> PrepareAttachmentAsync(string callerId, string mediaId, string messageType, CancellationToken ct, string? claimKey = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = Ids.IsWellFormed(mediaId) ? await media.GetAsync(mediaId, ct) : null;
            if (stored is null || stored.Value.OwnerId != callerId || stored.Value.IsAvatar)
            {
                throw ChatErrors.Invalid("mediaId", "does not name media you uploaded.");
            }

            var record = stored.Value;
            if (record.State == MediaStates.Attached || (record.ClaimedBy is not null && record.ClaimedBy != claimKey))
            {
                throw ChatErrors.Invalid("mediaId", "is already attached to a message.");
            }

            if (!Matches(messageType, record.ContentType))
            {
                throw ChatErrors.Invalid("type", $"does not fit media of type {record.ContentType}.");
            }

            var blob = await blobs.InspectAsync(mediaId, ct) ?? throw ChatErrors.Invalid("mediaId", "was never uploaded.");
            if (blob.SizeBytes > record.SizeBytes)
            {
                throw ChatErrors.Policy("The uploaded file is larger than declared.");
            }

            if (record.ContentType.StartsWith("image/", StringComparison.Ordinal) && !ImageSignatures.Matches(record.ContentType, blob.Head))
            {
                throw ChatErrors.Policy($"The uploaded file is not a {record.ContentType} image.");
            }

            if (claimKey is null || record.ClaimedBy == claimKey || await media.TryReplaceAsync(record with { ClaimedBy = claimKey }, stored.ETag, ct))
            {
                return (record with { SizeBytes = blob.SizeBytes }, blob.ETag);
            }

            if (attempt == 2)
            {
                throw ChatErrors.Unavailable("media store (contention)", TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Records where the media was attached (1 read, 1 replace); idempotent for the same
    /// message, and never moves media already attached to another one.</summary>
    public async Task MarkAttachedAsync(string mediaId, string chatId, long seq, string blobETag, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var stored = await media.GetAsync(mediaId, ct);
            if (stored is null || stored.Value.State == MediaStates.Attached)
            {
                return;
            }

            var attached = stored.Value with { State = MediaStates.Attached, ChatId = chatId, Seq = seq, BlobETag = blobETag };
            if (await media.TryReplaceAsync(attached, stored.ETag, ct))
            {
                if (attached.ContentType.StartsWith("image/", StringComparison.Ordinal))
                {
                    await jobs.EnqueueThumbnailAsync(mediaId, ct);
                }

                return;
            }
        }
    }

    /// <summary>
    /// Withdraws the media of a deleted message: the record says deleted (reads answer 404 from now
    /// on) and the blob and thumbnail are removed. If blob storage fails, the message delete answers 503
    /// before the message changes, and its retry finishes the job (the sweep also removes such blobs).
    /// Read URLs handed out before stay valid until they expire (at most the read-URL window).
    /// Cost: 1 read, 1 replace, 2 blob deletes.
    /// </summary>
    public async Task DiscardAsync(string mediaId, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var stored = await media.GetAsync(mediaId, ct);
            if (stored is null)
            {
                return;
            }

            if (stored.Value.State == MediaStates.Deleted
                || await media.TryReplaceAsync(stored.Value with { State = MediaStates.Deleted, HasThumbnail = false }, stored.ETag, ct))
            {
                await blobs.DeleteAsync(mediaId, ct);
                return;
            }
        }

        throw ChatErrors.Unavailable("media store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>A read URL for someone allowed to see the media (404 for everyone else, 410 past
    /// retention). Cost: 1 point read, plus 1 for the chat when the caller is not the uploader.</summary>
    public async Task<Uri> OpenAsync(string callerId, string mediaId, CancellationToken ct) => await OpenAsync(callerId, mediaId, thumbnail: false, ct);

    /// <summary>The thumbnail's read URL once it exists; 404 before that and for non-images.</summary>
    public async Task<Uri> OpenThumbnailAsync(string callerId, string mediaId, CancellationToken ct) => await OpenAsync(callerId, mediaId, thumbnail: true, ct);

    /// <summary>Makes the thumbnail of an attached image (queue-triggered, idempotent): 1 point read,
    /// 1 blob read, 1 blob write, 1 replace. A corrupt or oversized image throws, and after the
    /// queue's retries the job lands in the poison queue without holding up others.</summary>
    public async Task MakeThumbnailAsync(string mediaId, CancellationToken ct)
    {
        var stored = await media.GetAsync(mediaId, ct);
        if (stored is null || stored.Value.HasThumbnail || !stored.Value.ContentType.StartsWith("image/", StringComparison.Ordinal))
        {
            return;
        }

        byte[] jpeg;
        await using (var image = await blobs.OpenReadAsync(mediaId, ct))
        {
            jpeg = thumbnails.Render(image, Options.ThumbnailMaxSide, Options.MaxImagePixels);
        }

        await blobs.SaveThumbnailAsync(mediaId, jpeg, ct);
        for (var attempt = 0; attempt < 5 && stored is not null && !stored.Value.HasThumbnail; attempt++)
        {
            if (await media.TryReplaceAsync(stored.Value with { HasThumbnail = true }, stored.ETag, ct))
            {
                return;
            }

            stored = await media.GetAsync(mediaId, ct);
        }
    }

    private async Task<Uri> OpenAsync(string callerId, string mediaId, bool thumbnail, CancellationToken ct)
    {
        var stored = Ids.IsWellFormed(mediaId) ? await media.GetAsync(mediaId, ct) : null;
        var record = stored?.Value ?? throw ChatErrors.NotFound("media");
        if (record.State == MediaStates.Deleted || !await MayReadAsync(callerId, record, ct))
        {
            throw ChatErrors.NotFound("media");
        }

        if (!record.IsAvatar && record.State == MediaStates.Attached && time.GetUtcNow() - record.CreatedAt > Options.Retention)
        {
            throw ChatErrors.Gone("The media is past its retention period.");
        }

        if (thumbnail)
        {
            return record.HasThumbnail ? await blobs.CreateReadUrlAsync(record, thumbnail: true, ct) : throw ChatErrors.NotFound("thumbnail");
        }

        if (record.State != MediaStates.Attached && await blobs.InspectAsync(mediaId, ct) is null)
        {
            throw ChatErrors.NotFound("media");
        }

        return await blobs.CreateReadUrlAsync(record, thumbnail: false, ct);
    }

    /// <summary>Makes uploaded media the caller's avatar (any signed-in user may then read it).
    /// Cost: 1 point read, 2 blob calls, 1 replace.</summary>
    public async Task ClaimAvatarAsync(string callerId, string mediaId, CancellationToken ct)
    {
        var (record, etag) = await PrepareAttachmentAsync(callerId, mediaId, "image", ct);
        var stored = await media.GetAsync(mediaId, ct) ?? throw ChatErrors.Invalid("avatarMediaId", "does not name media you uploaded.");
        var avatar = stored.Value with { State = MediaStates.Attached, IsAvatar = true, BlobETag = etag, SizeBytes = record.SizeBytes };
        if (!await media.TryReplaceAsync(avatar, stored.ETag, ct))
        {
            throw ChatErrors.Unavailable("media store (contention)", TimeSpan.FromSeconds(1));
        }

        await jobs.EnqueueThumbnailAsync(mediaId, ct);
    }

    /// <summary>
    /// Keeps media only as long as needed: deletes blobs of uploads never attached within a day and of
    /// media past retention (avatars excepted); records of expired media stay, so reads answer 410.
    /// Lists blobs instead of querying records, so no cross-partition query: 1 list page per 5,000
    /// blobs and 1 point read per blob.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var deleted = 0;
        await foreach (var mediaId in blobs.ListAsync(ct))
        {
            var stored = await media.GetAsync(mediaId, ct);
            var record = stored?.Value;
            var expired = record switch
            {
                null => true,
                { State: MediaStates.Deleted } => true,
                { IsAvatar: true } => false,
                { State: MediaStates.Pending } => now - record.CreatedAt > Options.UnattachedLifetime,
                _ => now - record.CreatedAt > Options.Retention,
            };
            if (!expired)
            {
                continue;
            }

            await blobs.DeleteAsync(mediaId, ct);
            if (record?.State == MediaStates.Pending)
            {
                await media.DeleteAsync(mediaId, ct);
            }

            deleted++;
        }

        return deleted;
    }

    public static MediaRef ToRef(MediaRecord record) => new(record.MediaId, record.FileName, record.ContentType, record.SizeBytes);

    private async Task<bool> MayReadAsync(string callerId, MediaRecord record, CancellationToken ct)
    {
        if (record.OwnerId == callerId || record.IsAvatar)
        {
            return true;
        }

        if (record.ChatId is null || record.Seq is null)
        {
            return false;
        }

        var chat = await chats.GetAsync(record.ChatId, ct);
        var member = chat?.Value.Member(callerId);
        return member is not null && record.Seq > member.JoinedAfterSeq;
    }

    private static bool IsRichMedia(string contentType) =>
        contentType.StartsWith("image/", StringComparison.Ordinal) || contentType.StartsWith("video/", StringComparison.Ordinal) || contentType.StartsWith("audio/", StringComparison.Ordinal);

    private static bool Matches(string messageType, string contentType) => messageType switch
    {
        "image" => contentType.StartsWith("image/", StringComparison.Ordinal),
        "video" => contentType.StartsWith("video/", StringComparison.Ordinal),
        "audio" => contentType.StartsWith("audio/", StringComparison.Ordinal),
        "file" => true,
        _ => false,
    };

    /// <summary>A file name is only shown: no path, no control characters, at most 255 characters.</summary>
    public static string DisplayName(string? fileName)
    {
        if (fileName is null)
        {
            return string.Empty;
        }

        var last = fileName.Split('/', '\\').Last();
        var clean = new string(last.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return clean.Length > 255 ? clean[..255] : clean;
    }
}

/// <summary>The first bytes each accepted image type starts with.</summary>
public static class ImageSignatures
{
    public static bool Matches(string contentType, ReadOnlySpan<byte> head) => contentType switch
    {
        "image/jpeg" => head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]),
        "image/png" => head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        "image/gif" => head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8),
        "image/webp" => head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8),
        _ => false,
    };
}
