namespace Chat.Core.Push;

using System.Text.Json;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Ports;

/// <summary>
/// Devices that receive pushes. Nothing is stored on our side: the hub's installation is the record,
/// under an id that combines the caller's user id with the device's id (so it is scoped per user).
/// Cost: 1 REST call to the hub per registration or removal.
/// </summary>
public sealed class DeviceService(IPushHub hub)
{
    public const int MaxChannelLength = 4096;

    public async Task RegisterAsync(string callerId, string installationId, RegisterDeviceRequest request, CancellationToken ct)
    {
        var device = Parse(callerId, installationId, request);
        await CallHubAsync(() => hub.UpsertDeviceAsync(device, ct));
    }

    public async Task RemoveAsync(string callerId, string installationId, CancellationToken ct)
    {
        ValidateId(installationId);
        await CallHubAsync(() => hub.DeleteDeviceAsync(PushDevice.HubId(callerId, installationId), ct));
    }

    /// <summary>Validates the request into the installation the hub gets (400 with <c>errors</c> otherwise).</summary>
    public static PushDevice Parse(string callerId, string installationId, RegisterDeviceRequest request)
    {
        ValidateId(installationId);
        var validator = new Validator().Required("platform", request.Platform);
        validator.When(request.Platform is not null && !PushPlatforms.All.Contains(request.Platform), "platform", "must be one of fcm, apns, wns, webpush.");
        var channel = request.PushChannel;
        validator.When(channel is null || channel.Value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined, "pushChannel", "is required.").ThrowIfInvalid();
        if (request.Platform == PushPlatforms.WebPush)
        {
            return new PushDevice(PushDevice.HubId(callerId, installationId), callerId, PushPlatforms.WebPush, null, ParseWebPush(channel!.Value));
        }

        if (channel!.Value.ValueKind != JsonValueKind.String)
        {
            throw ChatErrors.Invalid("pushChannel", "must be the device token or channel URI as a string.");
        }

        var token = channel.Value.GetString()!;
        new Validator()
            .When(token.Length is 0 or > MaxChannelLength, "pushChannel", $"must be 1..{MaxChannelLength} characters.")
            .When(token.Any(char.IsControl), "pushChannel", "must not contain control characters.")
            .When(request.Platform == PushPlatforms.Wns && !IsHttpsUri(token), "pushChannel", "must be the https channel URI for wns.")
            .ThrowIfInvalid();
        return new PushDevice(PushDevice.HubId(callerId, installationId), callerId, request.Platform!, token, null);
    }

    private static WebPushChannel ParseWebPush(JsonElement channel)
    {
        const string Shape = "must be an object {endpoint, p256dh, auth} for webpush.";
        if (channel.ValueKind != JsonValueKind.Object)
        {
            throw ChatErrors.Invalid("pushChannel", Shape);
        }

        string? Field(string name) =>
            channel.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var endpoint = Field("endpoint");
        var p256dh = Field("p256dh");
        var auth = Field("auth");
        new Validator()
            .When(endpoint is null || p256dh is null || auth is null, "pushChannel", Shape)
            .When(endpoint is not null && (!IsHttpsUri(endpoint) || endpoint.Length > MaxChannelLength), "pushChannel", "endpoint must be an https URL.")
            .When(p256dh is { Length: 0 or > 256 } || auth is { Length: 0 or > 256 }, "pushChannel", "p256dh and auth must be 1..256 characters.")
            .When((p256dh + auth + endpoint).Any(char.IsControl), "pushChannel", "must not contain control characters.")
            .ThrowIfInvalid();
        return new WebPushChannel(endpoint!, p256dh!, auth!);
    }

    private static void ValidateId(string installationId) =>
        new Validator().When(!Ids.IsWellFormed(installationId), "installationId", "must be 1..64 of A-Z a-z 0-9 - _.").ThrowIfInvalid();

    private static bool IsHttpsUri(string value) => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;

    private static async Task CallHubAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (PushDeliveryException e) when (e.Status == 400)
        {
            throw ChatErrors.Invalid("pushChannel", "was refused by the push service.");
        }
        catch (PushDeliveryException e)
        {
            throw ChatErrors.Unavailable("push service", TimeSpan.FromSeconds(e.Transient ? 5 : 60), e);
        }
    }
}
