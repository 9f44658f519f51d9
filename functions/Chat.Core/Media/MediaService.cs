namespace Chat.Core.Media;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Messages;
using Chat.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

/// <summary>Uploads straight to Blob Storage through short-lived create-only URLs, checked when
/// attached to a message, and served to those who may see them through short-lived read URLs.</summary>
public sealed partial class MediaService(
    IMediaStore media,
    IMediaBlobs blobs,
    IChatStore chats,
    IMessageStore messages,
    IMediaJobs jobs,
    IThumbnailRenderer thumbnails,
    IRateLimiter limiter,
    IOptions<MediaOptions> options,
    IOptions<LimitsOptions> limits,
    TimeProvider time,
    ILogger<MediaService> logger)
{
    /// <summary>How much of an image is read when attached to tell whether it can get a thumbnail (its header).</summary>
    public const int ImageHeadBytes = 64 * 1024;

    // Each render holds a decoded bitmap; the queue may hand this instance many jobs at once.
    private readonly SemaphoreSlim renders = new(options.Value.ThumbnailConcurrency, options.Value.ThumbnailConcurrency);

    private MediaOptions Options => options.Value;

    /// <summary>Registers an upload and returns its URL (at most <see cref="LimitsOptions.UploadTicketsPerMinute"/>
    /// per user, then 429). Cost: 1 create (record), no blob call with an account key.</summary>
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

        var limit = MediaSignatures.IsVerifiable(contentType) ? Options.MaxMediaBytes : Options.MaxFileBytes;
        if (request.SizeBytes > limit)
        {
            throw ChatErrors.TooLarge($"{contentType} files are limited to {limit} bytes.");
        }

        await limiter.AcquireAsync(limits.Value.UploadTickets, callerId, ct);

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
    /// caller uploaded it within <see cref="MediaOptions.UnattachedLifetime"/>, it is unused, the blob
    /// exists, is no larger than declared, and an image, video or audio file starts like one (422
    /// otherwise). An image whose header shows it cannot be thumbnailed is marked
    /// <see cref="MediaRecord.NoThumbnail"/>. With a <paramref name="claimKey"/> (the send's chat and
    /// client message id) it also reserves the media for that send, so a concurrent send of the same
    /// upload is refused (a retry of the same send passes). Cost: 1 point read, 1 blob properties
    /// call, 1 ranged read (2 for images), and with a claim 1 replace.</summary>
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

            if (IsPastUploadWindow(record))
            {
                throw ChatErrors.Invalid("mediaId", "has expired: uploads must be attached within " + Options.UnattachedLifetime + ".");
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

            if (MediaSignatures.IsVerifiable(record.ContentType) && !MediaSignatures.Matches(record.ContentType, blob.Head))
            {
                throw ChatErrors.Policy($"The uploaded file is not a {record.ContentType} file.");
            }

            var checkedRecord = record with { NoThumbnail = record.NoThumbnail || (IsImage(record) && !await CanThumbnailAsync(mediaId, ct)) };
            if (claimKey is null || record.ClaimedBy == claimKey || await media.TryReplaceAsync(checkedRecord with { ClaimedBy = claimKey }, stored.ETag, ct))
            {
                return (checkedRecord with { SizeBytes = blob.SizeBytes }, blob.ETag);
            }

            if (attempt == 2)
            {
                throw ChatErrors.Unavailable("media store (contention)", TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Records the message the media was sent with as its first carrier (1 read, 1 replace); idempotent
    /// for the same message, and never moves media already attached to another one, nor brings back media withdrawn
    /// meanwhile (only pending media is attached). 503 when it cannot land. The
    /// thumbnail job it queues for an image is best effort: the message is stored and its media attached by then.</summary>
    public async Task MarkAttachedAsync(string mediaId, MediaCarrier carrier, string blobETag, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await media.GetAsync(mediaId, ct);
            if (stored is not { Value.State: MediaStates.Pending })
            {
                return;
            }

            var attached = stored.Value.WithCarriers([carrier]) with { State = MediaStates.Attached, BlobETag = blobETag };
            if (await media.TryReplaceAsync(attached, stored.ETag, ct))
            {
                if (IsImage(attached) && !attached.NoThumbnail)
                {
                    await QueueThumbnailAsync(mediaId, ct);
                }

                return;
            }

            await Backoff.Contention.PauseAsync(attempt, "media store (contention)", ct);
        }
    }

    private async Task QueueThumbnailAsync(string mediaId, CancellationToken ct)
    {
        try
        {
            await jobs.EnqueueThumbnailAsync(mediaId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogThumbnailNotQueued(logger, e, mediaId);
        }
    }

    /// <summary>Attaches the media of a stored message if its send's attach never landed (a resend runs this): only
    /// media still reserved for that send (<paramref name="claimKey"/>). Cost by design (not in the benchmark): 1 read when it is attached already;
    /// else 1 blob properties call and <see cref="MarkAttachedAsync"/> (which reads the record again).</summary>
    public async Task CompleteAttachAsync(string mediaId, MediaCarrier carrier, string claimKey, CancellationToken ct)
    {
        var stored = await media.GetAsync(mediaId, ct);
        if (stored is not { Value.State: MediaStates.Pending } || stored.Value.ClaimedBy != claimKey
            || await blobs.InspectAsync(mediaId, ct) is not { } blob)
        {
            return;
        }

        await MarkAttachedAsync(mediaId, carrier, blob.ETag, ct);
    }

    /// <summary>
    /// Adds a forward of attached media as one more carrier: the same blob, readable by that chat's members who
    /// see the forward. Idempotent (a retry of the forward finds it there). Media withdrawn meanwhile (its last
    /// carrier deleted while the forward ran) stays withdrawn, and so does media never attached (the sender's
    /// attach failed): false, and the forward shows media that answers 404. Cost: 1 read, 1 replace when it adds.
    /// </summary>
    public async Task<bool> AddCarrierAsync(string mediaId, MediaCarrier carrier, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var stored = await media.GetAsync(mediaId, ct);
            if (stored is not { Value.State: MediaStates.Attached, Value.IsAvatar: false })
            {
                return false;
            }

            var carriers = stored.Value.CurrentCarriers();
            if (carriers.Any(c => c.Is(carrier.ChatId, carrier.Seq)) || await media.TryReplaceAsync(stored.Value.WithCarriers([.. carriers, carrier]), stored.ETag, ct))
            {
                return true;
            }
        }

        throw ChatErrors.Unavailable("media store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Withdraws the media from a deleted message: that carrier leaves the record, and the others keep their
    /// access. With the last carrier gone the record says deleted (reads answer 404 from now on) and the blob
    /// and thumbnail are removed. If blob storage fails, the message delete answers 503 before the message
    /// changes, and its retry finishes the job (the sweep also removes such blobs). Read URLs handed out before
    /// stay valid until they expire (at most the read-URL window).
    /// Cost: 1 read, 1 replace, and with the last carrier 2 blob deletes.
    /// </summary>
    public async Task DiscardAsync(string mediaId, string chatId, long seq, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var stored = await media.GetAsync(mediaId, ct);
            if (stored is null)
            {
                return;
            }

            var record = stored.Value;
            var carriers = record.CurrentCarriers();
            var left = carriers.Where(c => !c.Is(chatId, seq)).ToArray();
            if (record.State != MediaStates.Deleted && left.Length > 0)
            {
                // Others still carry it: only this carrier goes (nothing to write when it was never one).
                if (left.Length == carriers.Count || await media.TryReplaceAsync(record.WithCarriers(left), stored.ETag, ct))
                {
                    return;
                }
            }
            else if (record.State == MediaStates.Deleted
                || await media.TryReplaceAsync(record.WithCarriers([]) with { State = MediaStates.Deleted, HasThumbnail = false }, stored.ETag, ct))
            {
                await blobs.DeleteAsync(mediaId, ct);
                return;
            }
        }

        throw ChatErrors.Unavailable("media store (contention)", TimeSpan.FromSeconds(1));
    }

    /// <summary>A read URL for someone allowed to see the media (404 for everyone else, 410 past
    /// retention). Cost: 1 point read, plus, when the caller is not the uploader, 1 chat read per carrying
    /// chat until one lets them in (metadata from the instance's cache; 1 for media that was never forwarded).</summary>
    public async Task<Uri> OpenAsync(string callerId, string mediaId, CancellationToken ct) => await OpenAsync(callerId, mediaId, thumbnail: false, ct);

    /// <summary>The thumbnail's read URL once it exists; 404 before that and for non-images.</summary>
    public async Task<Uri> OpenThumbnailAsync(string callerId, string mediaId, CancellationToken ct) => await OpenAsync(callerId, mediaId, thumbnail: true, ct);

    /// <summary>Makes the thumbnail of an attached image (queue-triggered, idempotent), at most
    /// <see cref="MediaOptions.ThumbnailConcurrency"/> at once per instance: 1 point read, 1 blob read
    /// (streamed, never buffered whole), 1 blob write, 1 replace. An image that is corrupt or cannot be
    /// decoded within the limits is recorded as <see cref="MediaRecord.NoThumbnail"/> with one warning
    /// and the job ends (no retries, no poison); other failures throw so the queue retries.</summary>
    public async Task MakeThumbnailAsync(string mediaId, CancellationToken ct)
    {
        var stored = await media.GetAsync(mediaId, ct);
        if (stored is null || stored.Value.HasThumbnail || stored.Value.NoThumbnail || stored.Value.State == MediaStates.Deleted || !IsImage(stored.Value))
        {
            return;
        }

        var jpeg = await RenderAsync(mediaId, ct);
        if (jpeg is not null)
        {
            await blobs.SaveThumbnailAsync(mediaId, jpeg, ct);
        }

        for (var attempt = 0; attempt < 5 && stored is { Value: { HasThumbnail: false, NoThumbnail: false } } && stored.Value.State != MediaStates.Deleted; attempt++)
        {
            var outcome = jpeg is null ? stored.Value with { NoThumbnail = true } : stored.Value with { HasThumbnail = true };
            if (await media.TryReplaceAsync(outcome, stored.ETag, ct))
            {
                return;
            }

            stored = await media.GetAsync(mediaId, ct);
        }
    }

    private async Task<byte[]?> RenderAsync(string mediaId, CancellationToken ct)
    {
        await renders.WaitAsync(ct);
        try
        {
            await using var image = await blobs.OpenReadAsync(mediaId, ct);
            return thumbnails.Render(image, Options.Thumbnails);
        }
        catch (InvalidDataException e)
        {
            LogNoThumbnail(logger, mediaId, e.Message);
            return null;
        }
        finally
        {
            renders.Release();
        }
    }

    /// <summary>Reads the image's first <see cref="ImageHeadBytes"/> and asks the renderer whether they
    /// already rule a thumbnail out (corrupt header, too many pixels).</summary>
    private async Task<bool> CanThumbnailAsync(string mediaId, CancellationToken ct)
    {
        var head = new byte[ImageHeadBytes];
        int read;
        await using (var image = await blobs.OpenReadAsync(mediaId, ct))
        {
            read = await image.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        }

        using var headStream = new MemoryStream(head, 0, read, writable: false);
        var renderable = thumbnails.CanRender(headStream, complete: read < head.Length, Options.Thumbnails);
        if (!renderable)
        {
            LogNoThumbnail(logger, mediaId, "its header shows it cannot be decoded within the limits");
        }

        return renderable;
    }

    private async Task<Uri> OpenAsync(string callerId, string mediaId, bool thumbnail, CancellationToken ct)
    {
        var stored = Ids.IsWellFormed(mediaId) ? await media.GetAsync(mediaId, ct) : null;
        var record = stored?.Value ?? throw ChatErrors.NotFound("media");
        if (record.State == MediaStates.Deleted || IsPastUploadWindow(record) || !await MayReadAsync(callerId, record, ct))
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
        var avatar = stored.Value with { State = MediaStates.Attached, IsAvatar = true, BlobETag = etag, SizeBytes = record.SizeBytes, NoThumbnail = record.NoThumbnail };
        if (!await media.TryReplaceAsync(avatar, stored.ETag, ct))
        {
            throw ChatErrors.Unavailable("media store (contention)", TimeSpan.FromSeconds(1));
        }

        if (!avatar.NoThumbnail)
        {
            await jobs.EnqueueThumbnailAsync(mediaId, ct);
        }
    }

    /// <summary>
    /// Keeps media only as long as needed: deletes blobs of uploads never attached within a day and of
    /// media past retention (avatars excepted); records of expired media stay, so reads answer 410.
    /// Lists blobs instead of querying records, so no cross-partition query: 1 list page per 5,000
    /// blobs and 1 point read per blob (and for a rescued upload what AttachToItsSendAsync costs; by design, not in the benchmark). Tickets that never got a blob are not listed here: their
    /// pending record carries a store TTL (see the media store) and is refused once past its window.
    /// An upload past its window that a live stored message carries (its send answered 503 after storing it and
    /// was never retried) is attached to that message instead (<see cref="AttachToItsSendAsync"/>). A blob that
    /// fails is logged and left for the next run; the others go on.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var deleted = 0;
        await foreach (var mediaId in blobs.ListAsync(ct))
        {
            try
            {
                deleted += await SweepOneAsync(mediaId, now, ct) ? 1 : 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e, mediaId);
            }
        }

        return deleted;
    }

    /// <summary>Deletes the blob (and a pending record) when it is no longer needed: true when it did.</summary>
    private async Task<bool> SweepOneAsync(string mediaId, DateTimeOffset now, CancellationToken ct)
    {
        var record = (await media.GetAsync(mediaId, ct))?.Value;
        var expired = record switch
        {
            null => true,
            { State: MediaStates.Deleted } => true,
            { IsAvatar: true } => false,
            { State: MediaStates.Pending } => now - record.CreatedAt > Options.UnattachedLifetime,
            _ when record.HasExpiredAt(now) => true, // every message that carried it has disappeared
            _ => now - record.CreatedAt > Options.Retention,
        };
        if (!expired || (record is { State: MediaStates.Pending } && await AttachToItsSendAsync(record, now, ct)))
        {
            return false;
        }

        await blobs.DeleteAsync(mediaId, ct);
        if (record?.State == MediaStates.Pending)
        {
            await media.DeleteAsync(mediaId, ct);
        }

        return true;
    }

    /// <summary>Attaches an upload to the message of the send that reserved it, if that message is stored, live and
    /// still carries it. Cost by design (not in the benchmark), for reserved uploads past their window only: 1 query of the message, then
    /// <see cref="CompleteAttachAsync"/> (a read, a blob properties call, a read and a replace).</summary>
    private async Task<bool> AttachToItsSendAsync(MediaRecord record, DateTimeOffset now, CancellationToken ct)
    {
        if (MediaClaims.Parse(record.ClaimedBy) is not { } claim)
        {
            return false;
        }

        var sent = await messages.FindSentAsync(claim.ChatId, record.OwnerId, claim.ClientMessageId, withStates: false, ct);
        if (sent?.Message is not { Media.MediaId: var carried } message || carried != record.MediaId || message.IsExpiredAt(now))
        {
            return false;
        }

        await CompleteAttachAsync(record.MediaId, MediaCarrier.Of(message), record.ClaimedBy!, ct);
        return true;
    }

    public static MediaRef ToRef(MediaRecord record) => new(record.MediaId, record.FileName, record.ContentType, record.SizeBytes) { NoThumbnail = record.NoThumbnail };

    /// <summary>Anyone for an avatar, nobody once every carrier has expired, then the uploader, and otherwise whoever sees
    /// any live carrier: a member of its chat whose join floor is below its seq (each carrier with its own floor), not expired.</summary>
    private async Task<bool> MayReadAsync(string callerId, MediaRecord record, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (record.IsAvatar || record.OwnerId == callerId)
        {
            return record.IsAvatar || !record.HasExpiredAt(now);
        }

        foreach (var carrier in record.CurrentCarriers().Where(c => c.IsLiveAt(now)))
        {
            var chat = await chats.GetAsync(carrier.ChatId, ct);
            if (chat?.Value.Member(callerId) is { } member && member.Sees(carrier.Seq))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsImage(MediaRecord record) => record.ContentType.StartsWith("image/", StringComparison.Ordinal);

    private bool IsPastUploadWindow(MediaRecord record) =>
        record.State == MediaStates.Pending && time.GetUtcNow() - record.CreatedAt > Options.UnattachedLifetime;

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The media sweep could not handle media {MediaId}; the next run tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, string mediaId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media {MediaId} is attached, but its thumbnail job could not be queued; it gets none")]
    private static partial void LogThumbnailNotQueued(ILogger logger, Exception exception, string mediaId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media {MediaId} gets no thumbnail: {Reason}")]
    private static partial void LogNoThumbnail(ILogger logger, string mediaId, string reason);
}
