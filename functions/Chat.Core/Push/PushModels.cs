namespace Chat.Core.Push;

using System.Text.Json;

/// <summary>The push platforms of API.md (<c>PUT /api/devices/{installationId}</c>).</summary>
public static class PushPlatforms
{
    public const string Fcm = "fcm";
    public const string Apns = "apns";
    public const string Wns = "wns";
    public const string WebPush = "webpush";

    public static readonly IReadOnlyList<string> All = [Fcm, Apns, Wns, WebPush];
}

/// <summary>The body of <c>PUT /api/devices/{installationId}</c>: <c>pushChannel</c> is a string (device
/// token or channel URI), or for web push an object.</summary>
public sealed record RegisterDeviceRequest(string? Platform, JsonElement? PushChannel);

/// <summary>A browser's push subscription.</summary>
public sealed record WebPushChannel(string Endpoint, string P256dh, string Auth);

/// <summary>
/// A device as the push hub knows it. <see cref="HubInstallationId"/> combines the user and the
/// device's own id, so one user's id can never name another user's installation.
/// </summary>
public sealed record PushDevice(string HubInstallationId, string UserId, string Platform, string? Channel, WebPushChannel? WebPush)
{
    /// <summary>The tag a user's devices carry: the user id (API.md, <c>/_local/notifications?tag=</c>).</summary>
    public IReadOnlyList<string> Tags => [UserId];

    /// <summary>User ids are fixed-width hex, so the first dash after them ends the user part.</summary>
    public static string HubId(string userId, string installationId) => userId + "-" + installationId;
}

/// <summary>What a recipient's device shows: the same properties fill every platform's template.</summary>
public sealed record PushNotification(string Title, string Body, string ChatId, long Seq);

/// <summary>
/// One queued push job per message: the members who were offline when it was sent (or, for large
/// groups, every other member; the dispatcher checks presence). <see cref="Attempt"/> counts retries
/// after transient failures, each scheduled with a longer delay.
/// </summary>
public sealed record PushJob(string ChatId, long Seq, IReadOnlyList<string> RecipientIds, int Attempt = 0);

/// <summary>The push hub refused or could not take a request; <see cref="Transient"/> says whether
/// trying again later can help (throttling, time-outs, 5xx) or not (bad request, bad credentials).</summary>
public sealed class PushDeliveryException(string message, bool transient, int? status = null, Exception? inner = null)
    : Exception(message, inner)
{
    public bool Transient { get; } = transient;

    public int? Status { get; } = status;
}
