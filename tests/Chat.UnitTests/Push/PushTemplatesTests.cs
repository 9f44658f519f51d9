namespace Chat.UnitTests.Push;

using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Chat.Core.Push;
using Chat.Functions.Push;

/// <summary>
/// The installation each device gets and the properties of a template send. Templates are rendered
/// here the way Notification Hubs (and the local sink) render them: every <c>$(name)</c> replaced by
/// the property's value as it is, in one pass.
/// </summary>
public sealed partial class PushTemplatesTests
{
    /// <summary>Text that breaks naive JSON or XML embedding.</summary>
    public static TheoryData<string> HostileText => new()
    {
        "He said \"hi\" and left",
        @"C:\Users\alice\report.pdf \\server\share \u0041",
        "line one\nline two\r\n\ttabbed",
        "emoji 😀👍🏽👨‍👩‍👧 and 日本語",
        "</script><script>alert('x')</script>",
        "<b>bold</b> & 'quotes' ]]> <!-- -->",
        "{\"title\":\"injected\"}\",\"extra\":\"",
        "separators \u2028 \u2029 and nul \u0000 bell \u0007",
        "$(chatId) is not a template expression here",
    };

    /// <summary>The same for WNS toasts (XML 1.0 cannot carry NUL or most C0 characters; the preview
    /// replaces control characters before they get here).</summary>
    public static TheoryData<string> HostileXmlText => new()
    {
        "He said \"hi\" and left",
        "Tom & Jerry <3 'quotes'",
        "</text><text>injected</text>",
        "<![CDATA[x]]> ]]> <!-- comment -->",
        "emoji 😀👍🏽👨‍👩‍👧",
        "two\nlines",
        @"back\slash",
    };

    [Theory]
    [InlineData(PushPlatforms.Fcm, "fcmv1")]
    [InlineData(PushPlatforms.Apns, "apns")]
    [InlineData(PushPlatforms.Wns, "wns")]
    [InlineData(PushPlatforms.WebPush, "browser")]
    public void HubPlatform_MapsApiPlatformsToHubPlatforms(string platform, string expected)
    {
        Assert.Equal(expected, PushTemplates.HubPlatform(platform));
    }

    [Theory]
    [InlineData("FCM")]
    [InlineData("gcm")]
    [InlineData("browser")]
    [InlineData("")]
    public void HubPlatform_And_Body_UnknownPlatform_Throw(string platform)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PushTemplates.HubPlatform(platform));
        Assert.Throws<ArgumentOutOfRangeException>(() => PushTemplates.Body(platform));
    }

    [Theory]
    [InlineData(PushPlatforms.Fcm, "fcm-registration-token", "fcmv1")]
    [InlineData(PushPlatforms.Apns, "a1b2c3d4e5f6", "apns")]
    [InlineData(PushPlatforms.Wns, "https://db5p.notify.windows.com/?token=AwYAAAB", "wns")]
    public void Installation_TokenPlatform_CarriesIdPlatformChannelTagAndTemplate(string platform, string channel, string hubPlatform)
    {
        var device = new PushDevice("user1-phone", "user1", platform, channel, null);

        using var json = JsonDocument.Parse(PushTemplates.Installation(device));

        var root = json.RootElement;
        Assert.Equal("user1-phone", root.GetProperty("installationId").GetString());
        Assert.Equal(hubPlatform, root.GetProperty("platform").GetString());
        Assert.Equal(JsonValueKind.String, root.GetProperty("pushChannel").ValueKind);
        Assert.Equal(channel, root.GetProperty("pushChannel").GetString());
        Assert.Equal(["user1"], root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var template = Assert.Single(root.GetProperty("templates").EnumerateObject());
        Assert.Equal(PushTemplates.Name, template.Name);
        Assert.Equal(PushTemplates.Body(platform), template.Value.GetProperty("body").GetString());
        if (platform == PushPlatforms.Wns)
        {
            var header = Assert.Single(template.Value.GetProperty("headers").EnumerateObject());
            Assert.Equal(("X-WNS-Type", "wns/toast"), (header.Name, header.Value.GetString()));
        }
        else
        {
            Assert.False(template.Value.TryGetProperty("headers", out _));
        }
    }

    [Fact]
    public void Installation_WebPush_ChannelIsTheSubscriptionObject()
    {
        var subscription = new WebPushChannel("https://fcm.googleapis.com/fcm/send/abc:def", "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "tBHItJI5svbpez7KI4CCXg");
        var device = new PushDevice("user1-browser", "user1", PushPlatforms.WebPush, null, subscription);

        using var json = JsonDocument.Parse(PushTemplates.Installation(device));

        var root = json.RootElement;
        Assert.Equal("browser", root.GetProperty("platform").GetString());
        var channel = root.GetProperty("pushChannel");
        Assert.Equal(JsonValueKind.Object, channel.ValueKind);
        Assert.Equal(
            [("endpoint", subscription.Endpoint), ("p256dh", subscription.P256dh), ("auth", subscription.Auth)],
            channel.EnumerateObject().Select(p => (p.Name, p.Value.GetString())));
        Assert.Equal(["user1"], root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var template = root.GetProperty("templates").GetProperty(PushTemplates.Name);
        Assert.Equal(PushTemplates.Body(PushPlatforms.WebPush), template.GetProperty("body").GetString());
        Assert.False(template.TryGetProperty("headers", out _));
    }

    [Fact]
    public void Body_EveryTemplateExpression_HasAProperty()
    {
        var properties = PushTemplates.Properties(new PushNotification("t", "b", "g_1", 1));

        foreach (var platform in PushPlatforms.All)
        {
            var names = Expression().Matches(PushTemplates.Body(platform)).Select(m => m.Groups[1].Value).ToArray();
            Assert.NotEmpty(names);
            Assert.All(names, name => Assert.True(properties.ContainsKey(name), $"{platform} uses $({name}), which no property fills."));
        }
    }

    [Fact]
    public void Properties_CarryChatIdAndSeq_AsInvariantStrings()
    {
        var properties = PushTemplates.Properties(new PushNotification("Alice", "hi", "d_0123abcd", 1234567));

        Assert.Equal("d_0123abcd", properties["chatId"]);
        Assert.Equal("1234567", properties["seq"]);
        Assert.Equal(["body", "bodyXml", "chatId", "seq", "title", "titleXml"], properties.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(HostileText))]
    public void Properties_RenderedIntoFcm_GiveValidJsonWithTheOriginalText(string text)
    {
        using var json = JsonDocument.Parse(Render(PushPlatforms.Fcm, new PushNotification(text, "Bob: " + text, "g_chat1", 42)));

        var message = json.RootElement.GetProperty("message");
        Assert.Equal(text, message.GetProperty("notification").GetProperty("title").GetString());
        Assert.Equal("Bob: " + text, message.GetProperty("notification").GetProperty("body").GetString());
        Assert.Equal("g_chat1", message.GetProperty("data").GetProperty("chatId").GetString());
        Assert.Equal("42", message.GetProperty("data").GetProperty("seq").GetString());
        Assert.Equal("g_chat1", message.GetProperty("android").GetProperty("collapse_key").GetString());
    }

    [Theory]
    [MemberData(nameof(HostileText))]
    public void Properties_RenderedIntoApns_GiveValidJsonWithTheOriginalText(string text)
    {
        using var json = JsonDocument.Parse(Render(PushPlatforms.Apns, new PushNotification(text, "Bob: " + text, "g_chat1", 42)));

        var aps = json.RootElement.GetProperty("aps");
        Assert.Equal(text, aps.GetProperty("alert").GetProperty("title").GetString());
        Assert.Equal("Bob: " + text, aps.GetProperty("alert").GetProperty("body").GetString());
        Assert.Equal("g_chat1", aps.GetProperty("thread-id").GetString());
        Assert.Equal("g_chat1", json.RootElement.GetProperty("chatId").GetString());
        Assert.Equal("42", json.RootElement.GetProperty("seq").GetString());
    }

    [Theory]
    [MemberData(nameof(HostileText))]
    public void Properties_RenderedIntoWebPush_GiveValidJsonWithTheOriginalText(string text)
    {
        using var json = JsonDocument.Parse(Render(PushPlatforms.WebPush, new PushNotification(text, "Bob: " + text, "g_chat1", 42)));

        var root = json.RootElement;
        Assert.Equal(["title", "body", "data"], root.EnumerateObject().Select(p => p.Name)); // nothing injected
        Assert.Equal(text, root.GetProperty("title").GetString());
        Assert.Equal("Bob: " + text, root.GetProperty("body").GetString());
        Assert.Equal("g_chat1", root.GetProperty("data").GetProperty("chatId").GetString());
        Assert.Equal("42", root.GetProperty("data").GetProperty("seq").GetString());
    }

    [Theory]
    [MemberData(nameof(HostileXmlText))]
    public void Properties_RenderedIntoWns_GiveWellFormedXmlWithTheOriginalText(string text)
    {
        var toast = XDocument.Parse(Render(PushPlatforms.Wns, new PushNotification(text, "Bob: " + text, "g_chat1", 42))).Root!;

        Assert.Equal("toast", toast.Name.LocalName);
        Assert.Equal("chatId=g_chat1&seq=42", toast.Attribute("launch")!.Value);
        var texts = toast.Descendants("text").Select(t => t.Value).ToArray();
        Assert.Equal([text, "Bob: " + text], texts);
    }

    [Theory]
    [InlineData(new[] { "user1" }, "user1")]
    [InlineData(new[] { "user1", "user2", "user3" }, "user1 || user2 || user3")]
    public void TagExpression_JoinsTagsWithOr(string[] tags, string expected)
    {
        Assert.Equal(expected, PushTemplates.TagExpression(tags));
    }

    [Fact]
    public void TagExpression_TwentyTags_IsTheLimit()
    {
        var tags = Enumerable.Range(1, 20).Select(i => "u" + i).ToArray();

        var expression = PushTemplates.TagExpression(tags);

        Assert.Equal(tags, expression.Split(" || "));
        Assert.Throws<ArgumentOutOfRangeException>(() => PushTemplates.TagExpression([.. tags, "u21"]));
    }

    [Fact]
    public void TagExpression_NoTags_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PushTemplates.TagExpression([]));
    }

    /// <summary>Fills the platform's template with the notification's properties, as the hub does.</summary>
    private static string Render(string platform, PushNotification notification)
    {
        var properties = PushTemplates.Properties(notification);
        return Expression().Replace(PushTemplates.Body(platform), m => properties[m.Groups[1].Value]);
    }

    [GeneratedRegex(@"\$\(([A-Za-z0-9_]+)\)")]
    private static partial Regex Expression();
}
