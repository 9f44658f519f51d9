namespace Chat.Core.Media;

public static class MediaStates
{
    public const string Pending = "pending";
    public const string Attached = "attached";

    /// <summary>Its message was deleted: nobody may read it, and its blobs go (now, or at the next sweep).</summary>
    public const string Deleted = "deleted";
}

/// <summary>An upload: who made it, what they declared, and where it was attached (chat and seq).</summary>
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

    public string? ChatId { get; init; }

    public long? Seq { get; init; }

    /// <summary>The blob version that was checked when attached; reads serve exactly it.</summary>
    public string? BlobETag { get; init; }

    public bool IsAvatar { get; init; }

    public bool HasThumbnail { get; init; }

    /// <summary>No thumbnail will ever be made: the image cannot be decoded within the limits (checked
    /// when attached, or found when rendering). Its views carry no thumbnailUrl.</summary>
    public bool NoThumbnail { get; init; }

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
