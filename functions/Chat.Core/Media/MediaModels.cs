namespace Chat.Core.Media;

public static class MediaStates
{
    public const string Pending = "pending";
    public const string Attached = "attached";

    /// <summary>Its last carrier was deleted: nobody may read it, and its blobs go (now, or at the next sweep).</summary>
    public const string Deleted = "deleted";
}

/// <summary>A message that carries media: the one it was sent with, or a forward of it; it carries the media until it
/// expires (<paramref name="ExpiresAt"/>, the message's own, API v1.1 disappearing messages) or is deleted.</summary>
public sealed record MediaCarrier(string ChatId, long Seq, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>The carrier that <paramref name="message"/> is: its chat, its seq, its expiry.</summary>
    public static MediaCarrier Of(Messages.MessageRecord message) => new(message.ChatId, message.Seq, message.ExpiresAt);

    public bool Is(string chatId, long seq) => ChatId == chatId && Seq == seq;

    public bool IsLiveAt(DateTimeOffset now) => !(ExpiresAt <= now);
}

/// <summary>An upload: who made it, what they declared, and the messages that carry it (one blob, however many).</summary>
public sealed record MediaRecord
{
    public required string MediaId { get; init; }

    public required string OwnerId { get; init; }

    public required string FileName { get; init; }

    public required string ContentType { get; init; }

    public required long SizeBytes { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public string State { get; init; } = MediaStates.Pending;

    /// <summary>The send (chat and client message id) that reserved this media before its seq was
    /// claimed, so two concurrent sends of one upload cannot both attach it.</summary>
    public string? ClaimedBy { get; init; }

    /// <summary>The live messages that carry it (the one it was sent with, and its forwards); a deleted one leaves the list.</summary>
    public IReadOnlyList<MediaCarrier> Carriers { get; init; } = [];

    /// <summary>Records written before forwarding (API v1.1) name their one carrier here; read only, moved into <see cref="Carriers"/> on the next write.</summary>
    public string? ChatId { get; init; }

    /// <inheritdoc cref="ChatId"/>
    public long? Seq { get; init; }

    /// <summary>The blob version that was checked when attached; reads serve exactly it.</summary>
    public string? BlobETag { get; init; }

    public bool IsAvatar { get; init; }

    public bool HasThumbnail { get; init; }

    /// <summary>No thumbnail will ever be made: the image cannot be decoded within the limits (checked
    /// when attached, or found when rendering). Its views carry no thumbnailUrl.</summary>
    public bool NoThumbnail { get; init; }

    /// <summary>Who carries it, old records included (<see cref="ChatId"/>/<see cref="Seq"/>).</summary>
    public IReadOnlyList<MediaCarrier> CurrentCarriers() =>
        Carriers.Count > 0 || ChatId is null || Seq is null ? Carriers : [new MediaCarrier(ChatId, Seq.Value)];

    /// <summary>Attached, and every message that carried it has expired: gone for everyone (404), its blobs for the sweep.</summary>
    public bool HasExpiredAt(DateTimeOffset now) =>
        State == MediaStates.Attached && CurrentCarriers() is { Count: > 0 } carriers && carriers.All(c => !c.IsLiveAt(now));

    /// <summary>This record with <paramref name="carriers"/> as its carriers, in the current form.</summary>
    public MediaRecord WithCarriers(IReadOnlyList<MediaCarrier> carriers) => this with { Carriers = carriers, ChatId = null, Seq = null };

    /// <summary>Inline only when its bytes were checked against its type when attached; anything else downloads.</summary>
    public bool IsServedInline() => State == MediaStates.Attached && MediaSignatures.IsVerifiable(ContentType);
}

public sealed record ThumbnailJob(string MediaId);

/// <summary>What a thumbnail render may cost: the longest side it makes, the pixels an image may
/// claim, and the pixels it may decode.</summary>
public sealed record ThumbnailLimits(int MaxSide, long MaxPixels, long MaxDecodedPixels);

/// <summary>What the blob store says about an uploaded blob.</summary>
public sealed record BlobFacts(long SizeBytes, string ETag, byte[] Head);

public sealed record CreateMediaRequest(string? FileName, string? ContentType, long? SizeBytes);

public sealed record UploadTicket(string MediaId, string UploadUrl, IReadOnlyDictionary<string, string> UploadHeaders, DateTimeOffset ExpiresAt);
