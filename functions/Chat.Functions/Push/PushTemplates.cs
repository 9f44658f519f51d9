namespace Chat.Functions.Push;

using System.Globalization;
using System.Security;
using System.Text.Encodings.Web;
using System.Text.Json;
using Chat.Core.Push;

/// <summary>
/// The Notification Hubs side of a device: its platform name, and one template per platform that
/// turns the same properties into that platform's payload, so one template send reaches them all.
/// Template expressions insert property values as they are, so the properties carry the text already
/// escaped for the payload it lands in: JSON string content for JSON payloads, XML for WNS toasts.
/// </summary>
public static class PushTemplates
{
    public const string Name = "message";

    /// <summary>API.md's platform → the installation platform of Notification Hubs.</summary>
    public static string HubPlatform(string platform) => platform switch
    {
        PushPlatforms.Fcm => "fcmv1",
        PushPlatforms.Apns => "apns",
        PushPlatforms.Wns => "wns",
        PushPlatforms.WebPush => "browser",
        _ => throw new ArgumentOutOfRangeException(nameof(platform), platform, "Unknown push platform."),
    };

    public static string Body(string platform) => platform switch
    {
        PushPlatforms.Fcm =>
            """{"message":{"notification":{"title":"$(title)","body":"$(body)"},"data":{"chatId":"$(chatId)","seq":"$(seq)"},"android":{"collapse_key":"$(chatId)"}}}""",
        PushPlatforms.Apns =>
            """{"aps":{"alert":{"title":"$(title)","body":"$(body)"},"sound":"default","thread-id":"$(chatId)"},"chatId":"$(chatId)","seq":"$(seq)"}""",
        PushPlatforms.Wns =>
            """<toast launch="chatId=$(chatId)&amp;seq=$(seq)"><visual><binding template="ToastGeneric"><text>$(titleXml)</text><text>$(bodyXml)</text></binding></visual></toast>""",
        PushPlatforms.WebPush =>
            """{"title":"$(title)","body":"$(body)","data":{"chatId":"$(chatId)","seq":"$(seq)"}}""",
        _ => throw new ArgumentOutOfRangeException(nameof(platform), platform, "Unknown push platform."),
    };

    public static IReadOnlyDictionary<string, string>? Headers(string platform) =>
        platform == PushPlatforms.Wns ? new Dictionary<string, string> { ["X-WNS-Type"] = "wns/toast" } : null;

    /// <summary>The body of <c>PUT /{hub}/installations/{id}</c>.</summary>
    public static byte[] Installation(PushDevice device) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["installationId"] = device.HubInstallationId,
            ["platform"] = HubPlatform(device.Platform),
            ["pushChannel"] = device.WebPush is { } web ? new { endpoint = web.Endpoint, p256dh = web.P256dh, auth = web.Auth } : device.Channel,
            ["tags"] = device.Tags,
            ["templates"] = new Dictionary<string, object>
            {
                [Name] = Headers(device.Platform) is { } headers
                    ? new { body = Body(device.Platform), headers }
                    : new { body = Body(device.Platform) },
            },
        });

    /// <summary>The properties of a template send (its JSON body).</summary>
    public static IReadOnlyDictionary<string, string> Properties(PushNotification notification) => new Dictionary<string, string>
    {
        ["title"] = JsonText(notification.Title),
        ["body"] = JsonText(notification.Body),
        ["titleXml"] = SecurityElement.Escape(notification.Title),
        ["bodyXml"] = SecurityElement.Escape(notification.Body),
        ["chatId"] = notification.ChatId,
        ["seq"] = notification.Seq.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The tag expression of one send: <c>a || b || c</c> (at most 20 tags).</summary>
    public static string TagExpression(IReadOnlyCollection<string> tags) =>
        tags.Count is 0 or > PushService.TagsPerSend
            ? throw new ArgumentOutOfRangeException(nameof(tags), tags.Count, "A tag expression holds 1..20 tags.")
            : string.Join(" || ", tags);

    private static string JsonText(string value) => JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
}
