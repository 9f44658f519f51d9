namespace Chat.UnitTests.TestData;

using System.Net;
using Chat.Functions.Push;
using Microsoft.Extensions.Time.Testing;

/// <summary>A real <see cref="NotificationHubRestClient"/> over a <see cref="RecordingHandler"/> (or any
/// handler a test brings): Azure's <c>sb://</c> namespace by default, or another endpoint such as the
/// local sink's. Nothing leaves the process.</summary>
public sealed class NotificationHubHarness
{
    public const string AzureEndpoint = "sb://myns.servicebus.windows.net/";
    public const string LocalEndpoint = "http://127.0.0.1:1234/_local/notification-hubs/";
    public const string HubName = "chathub";
    public const string HubUrl = "https://myns.servicebus.windows.net/" + HubName;
    public const string KeyName = "DefaultFullSharedAccessSignature";

    /// <summary>Shaped like a real key (base64 with padding, so '=' inside the connection string is covered).</summary>
    public const string Key = "bm90aWZpY2F0aW9uLWh1Yi1rZXktZm9yLXVuaXQtdGVzdHMtMDEyMzQ1Njc4OQ==";

    public NotificationHubHarness(HttpStatusCode status = HttpStatusCode.OK, string endpoint = AzureEndpoint, HttpMessageHandler? handler = null)
    {
        Handler = new RecordingHandler(status, string.Empty);
        Options = new NotificationHubOptions { ConnectionString = ConnectionString(endpoint), HubName = HubName };
        Client = new NotificationHubRestClient(new HttpClient(handler ?? Handler), Microsoft.Extensions.Options.Options.Create(Options), Time);
    }

    public RecordingHandler Handler { get; }

    /// <summary>Mutable until the first call (the client reads it per request).</summary>
    public NotificationHubOptions Options { get; }

    public FakeTimeProvider Time { get; } = TestClock.New();

    public NotificationHubRestClient Client { get; }

    public static string ConnectionString(string endpoint = AzureEndpoint) =>
        $"Endpoint={endpoint};SharedAccessKeyName={KeyName};SharedAccessKey={Key}";

    public (HttpRequestMessage Request, byte[] Body) Single() => Assert.Single(Handler.Requests);

    public static string Authorization(HttpRequestMessage request) =>
        Assert.Single(request.Headers.GetValues("Authorization"));

    public static string Header(HttpRequestMessage request, string name) =>
        Assert.Single(request.Headers.GetValues(name));
}
