namespace Chat.UnitTests.Push;

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Chat.Functions.Push;
using Chat.UnitTests.TestData;

/// <summary>SAS tokens as Service Bus / Notification Hubs define them, checked against a signature
/// computed here from the documented algorithm.</summary>
public sealed class NotificationHubSasTests
{
    private const string KeyName = "DefaultFullSharedAccessSignature";
    private const string Key = "bm90aWZpY2F0aW9uLWh1Yi1rZXktZm9yLXVuaXQtdGVzdHM=";
    private const string HubUrl = "https://myns.servicebus.windows.net/chathub";

    private static readonly DateTimeOffset Now = TestClock.Start;
    private static readonly DateTimeOffset Expiry = Now.AddMinutes(10);

    [Fact]
    public void Create_HasTheDocumentedFieldsInOrder_WithAnEncodedLowerCaseResourceAndUnixExpiry()
    {
        var token = NotificationHubSas.Create(new Uri("https://MyNs.ServiceBus.Windows.Net/ChatHub/"), KeyName, Key, Expiry);

        Assert.StartsWith("SharedAccessSignature ", token, StringComparison.Ordinal);
        var fields = Fields(token);
        Assert.Equal(["sr", "sig", "se", "skn"], fields.Select(f => f.Name));
        Assert.Equal("https%3A%2F%2Fmyns.servicebus.windows.net%2Fchathub", fields[0].Value);
        Assert.Equal(Expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), fields[2].Value);
        Assert.Equal(KeyName, fields[3].Value);
    }

    [Fact]
    public void Create_Signature_IsBase64HmacSha256OfTheEncodedResourceAndExpiry()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);

        var fields = Fields(token).ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal);
        var encodedResource = Uri.EscapeDataString(HubUrl);
        var expiry = Expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(Key));
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry)));
        Assert.Equal(expected, Uri.UnescapeDataString(fields["sig"]));
        Assert.Equal(Uri.EscapeDataString(expected), fields["sig"]); // '+', '/' and '=' are escaped in the header
    }

    [Fact]
    public void Create_ExpiryWithAFractionOfASecond_IsCutToWholeSeconds()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry.AddMilliseconds(999));

        var se = Fields(token).Single(f => f.Name == "se").Value;
        Assert.Equal(Expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), se);
    }

    [Fact]
    public void Create_KeyNameWithReservedCharacters_IsEncoded_AndStillVerifies()
    {
        const string keyName = "send&listen=1";

        var token = NotificationHubSas.Create(new Uri(HubUrl), keyName, Key, Expiry);

        Assert.Equal("send%26listen%3D1", Fields(token).Single(f => f.Name == "skn").Value);
        Assert.True(NotificationHubSas.Verify(token, new Uri(HubUrl + "/messages"), keyName, Key, Now));
    }

    [Theory]
    [InlineData(HubUrl)]
    [InlineData(HubUrl + "/")]
    [InlineData(HubUrl + "/messages/?api-version=2020-06")]
    [InlineData(HubUrl + "/installations/user1-phone?api-version=2020-06")]
    [InlineData("https://MYNS.servicebus.windows.net/ChatHub/Messages")]
    public void Verify_FreshHubToken_AcceptsTheHubAndItsSubPaths(string requestUrl)
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);

        Assert.True(NotificationHubSas.Verify(token, new Uri(requestUrl), KeyName, Key, Now));
    }

    [Fact]
    public void Verify_OneSecondBeforeExpiry_Accepts_AtAndAfterExpiry_Rejects()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);
        var url = new Uri(HubUrl + "/messages");

        Assert.True(NotificationHubSas.Verify(token, url, KeyName, Key, Expiry.AddSeconds(-1)));
        Assert.False(NotificationHubSas.Verify(token, url, KeyName, Key, Expiry));
        Assert.False(NotificationHubSas.Verify(token, url, KeyName, Key, Expiry.AddHours(1)));
    }

    [Fact]
    public void Verify_SignedWithAnotherKey_Rejects()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, "some-other-key", Expiry);

        Assert.False(NotificationHubSas.Verify(token, new Uri(HubUrl + "/messages"), KeyName, Key, Now));
    }

    [Fact]
    public void Verify_WrongKeyName_Rejects_EvenWithTheRightKey()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), "ListenOnly", Key, Expiry);

        Assert.False(NotificationHubSas.Verify(token, new Uri(HubUrl + "/messages"), KeyName, Key, Now));
    }

    [Fact]
    public void Verify_TamperedSignature_Rejects()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);
        var sig = Uri.UnescapeDataString(Fields(token).Single(f => f.Name == "sig").Value);
        var flipped = (sig[0] == 'A' ? 'B' : 'A') + sig[1..];

        var tampered = Replace(token, "sig", Uri.EscapeDataString(flipped));

        Assert.False(NotificationHubSas.Verify(tampered, new Uri(HubUrl + "/messages"), KeyName, Key, Now));
    }

    [Fact]
    public void Verify_ExpiryExtendedWithoutResigning_Rejects()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);

        var extended = Replace(token, "se", Expiry.AddDays(365).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));

        Assert.False(NotificationHubSas.Verify(extended, new Uri(HubUrl + "/messages"), KeyName, Key, Expiry.AddMinutes(1)));
    }

    [Fact]
    public void Verify_ResourceWidenedWithoutResigning_Rejects()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl + "/installations"), KeyName, Key, Expiry);

        // Claims the whole namespace with the signature of a narrower resource.
        var widened = Replace(token, "sr", Uri.EscapeDataString("https://myns.servicebus.windows.net"));

        Assert.False(NotificationHubSas.Verify(widened, new Uri(HubUrl + "/messages"), KeyName, Key, Now));
    }

    [Theory]
    [InlineData("https://myns.servicebus.windows.net/otherhub/messages")]
    [InlineData("https://otherns.servicebus.windows.net/chathub/messages")]
    [InlineData("http://myns.servicebus.windows.net/chathub/messages")]
    [InlineData("https://myns.servicebus.windows.net/")]
    public void Verify_TokenForTheHub_UsedForAnotherResource_Rejects(string requestUrl)
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);

        Assert.False(NotificationHubSas.Verify(token, new Uri(requestUrl), KeyName, Key, Now));
    }

    [Fact]
    public void Verify_TokenForOneOperation_DoesNotCoverASiblingPath()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl + "/installations"), KeyName, Key, Expiry);

        Assert.True(NotificationHubSas.Verify(token, new Uri(HubUrl + "/installations/user1-phone"), KeyName, Key, Now));
        Assert.False(NotificationHubSas.Verify(token, new Uri(HubUrl + "/messages"), KeyName, Key, Now));
    }

    [Fact]
    public void Verify_TokenForTheHub_UsedForAHubWhoseNameExtendsIt_Rejects()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);

        Assert.False(NotificationHubSas.Verify(token, new Uri("https://myns.servicebus.windows.net/chathub2/messages"), KeyName, Key, Now));
    }

    [Theory]
    [InlineData("sr")]
    [InlineData("sig")]
    [InlineData("se")]
    [InlineData("skn")]
    public void Verify_MissingField_Rejects(string field)
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);
        var without = "SharedAccessSignature " + string.Join('&', Fields(token).Where(f => f.Name != field).Select(f => f.Name + "=" + f.Value));

        Assert.False(NotificationHubSas.Verify(without, new Uri(HubUrl + "/messages"), KeyName, Key, Now));
    }

    [Fact]
    public void Verify_NonNumericExpiry_Rejects()
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);

        Assert.False(NotificationHubSas.Verify(Replace(token, "se", "-1"), new Uri(HubUrl), KeyName, Key, Now));
        Assert.False(NotificationHubSas.Verify(Replace(token, "se", "soon"), new Uri(HubUrl), KeyName, Key, Now));
    }

    [Theory]
    [InlineData("Bearer ")]
    [InlineData("sharedaccesssignature ")]
    [InlineData("SharedAccessSignature")]
    [InlineData("")]
    public void Verify_WrongSchemePrefix_Rejects(string prefix)
    {
        var token = NotificationHubSas.Create(new Uri(HubUrl), KeyName, Key, Expiry);
        var rest = token["SharedAccessSignature ".Length..];

        Assert.False(NotificationHubSas.Verify(prefix + rest, new Uri(HubUrl), KeyName, Key, Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("SharedAccessSignature ")]
    [InlineData("SharedAccessSignature garbage")]
    public void Verify_MissingOrEmptyHeader_Rejects(string? authorization)
    {
        Assert.False(NotificationHubSas.Verify(authorization, new Uri(HubUrl), KeyName, Key, Now));
    }

    [Fact]
    public void Normalize_DropsQueryAndTrailingSlash_AndLowerCases()
    {
        Assert.Equal(
            "http://127.0.0.1:1234/_local/notification-hubs/chathub/messages",
            NotificationHubSas.Normalize(new Uri("http://127.0.0.1:1234/_local/Notification-Hubs/ChatHub/messages/?api-version=2020-06")));
    }

    private static List<(string Name, string Value)> Fields(string token) =>
        token["SharedAccessSignature ".Length..].Split('&').Select(pair => pair.Split('=', 2)).Select(p => (p[0], p[1])).ToList();

    private static string Replace(string token, string field, string value) =>
        "SharedAccessSignature " + string.Join('&', Fields(token).Select(f => f.Name + "=" + (f.Name == field ? value : f.Value)));
}
