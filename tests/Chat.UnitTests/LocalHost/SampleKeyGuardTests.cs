namespace Chat.UnitTests.LocalHost;

using Chat.LocalHost;
using Microsoft.Extensions.Configuration;

public sealed class SampleKeyGuardTests
{
    private const string CosmosEmulatorKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    private static readonly IReadOnlyCollection<string> SampleKeys = SampleKeyGuard.SampleKeys(LocalSettings.SamplePath);

    [Fact]
    public void SampleKeys_AreReadFromTheSampleFile_WithTheEmulatorsWellKnownKeys()
    {
        Assert.Contains(CosmosEmulatorKey, SampleKeys);
        Assert.Contains(SampleKeyGuard.AzuriteKey, SampleKeys);
        Assert.Contains("local-dev-only-notification-hubs-key-not-a-secret", SampleKeys);
        Assert.Contains(Sample()["Auth:SigningKeys:0:Key"]!, SampleKeys);
    }

    [Fact]
    public void TheSampleAsItIs_Starts()
    {
        Assert.Null(SampleKeyGuard.Refusal(Sample(), SampleKeys));
    }

    /// <summary>Throwaway, local-only test value, not a secret: base64 of "LOCAL DEV ONLY signalr access key - not a secret".</summary>
    private const string ThrowawaySignalRKey = "TE9DQUwgREVWIE9OTFkgc2lnbmFsciBhY2Nlc3Mga2V5IC0gbm90IGEgc2VjcmV0"; // throwaway test value, not a secret

    /// <summary>Throwaway, local-only test value, not a secret: base64 of "test-only fake storage key, not a secret".</summary>
    private const string ThrowawayStorageKey = "dGVzdC1vbmx5IGZha2Ugc3RvcmFnZSBrZXksIG5vdCBhIHNlY3JldA=="; // throwaway test value, not a secret

    // Every key below is a throwaway test value (the emulator's public key, or the constants above).
    [Theory]
    [InlineData("Cosmos:ConnectionString", "AccountEndpoint=https://chat.documents.azure.com:443/;AccountKey=" + CosmosEmulatorKey)]
    [InlineData("SignalR:ConnectionString", "Endpoint=https://chat.service.signalr.net;AccessKey=" + ThrowawaySignalRKey + ";Version=1.0;")]
    [InlineData("NotificationHubs:ConnectionString", "Endpoint=sb://chat.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=local-dev-only-notification-hubs-key-not-a-secret")]
    [InlineData("AzureWebJobsStorage", "DefaultEndpointsProtocol=https;AccountName=chatstore;AccountKey=" + ThrowawayStorageKey)]
    [InlineData("MediaStorage:ServiceUri", "https://chatstore.blob.core.windows.net")]
    [InlineData("urls", "http://0.0.0.0:7071")]
    [InlineData("urls", "http://127.0.0.1:7071;http://192.168.1.20:7071")]
    [InlineData("urls", "http://*:7071")]
    public void SampleKeysInUse_AndASettingOffThisMachine_Refuses_NamingTheSetting(string setting, string value)
    {
        var refusal = SampleKeyGuard.Refusal(Sample((setting, value)), SampleKeys);

        Assert.NotNull(refusal);
        Assert.Contains(setting, refusal, StringComparison.Ordinal);
        Assert.Contains("sample key", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refusal);
    }

    [Theory]
    [InlineData("urls", "http://localhost:7071")]
    [InlineData("urls", "http://[::1]:7071")]
    [InlineData("Cosmos:ConnectionString", "AccountEndpoint=http://localhost:8081/;AccountKey=" + CosmosEmulatorKey)]
    [InlineData("AzureWebJobsStorage", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + SampleKeyGuard.AzuriteKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")]
    public void SampleKeysOnLoopback_Starts(string setting, string value)
    {
        Assert.Null(SampleKeyGuard.Refusal(Sample((setting, value)), SampleKeys));
    }

    [Fact]
    public void OwnKeysEverywhere_MayPointOffThisMachine()
    {
        var configuration = Sample(
            ("urls", "http://0.0.0.0:7071"),
            ("Cosmos:ConnectionString", "AccountEndpoint=https://chat.documents.azure.com:443/;AccountKey=b3duIGtleQ=="),
            ("Auth:SigningKeys:0:Key", "b3duIHNpZ25pbmcga2V5IG9mIG15IG93bg=="),
            ("Auth:RefreshTokenKey", "b3duIHJlZnJlc2gga2V5IG9mIG15IG93bg=="),
            ("Sms:ConnectionString", "endpoint=https://chat.communication.azure.com/;accesskey=b3duIHNtcyBrZXk="),
            ("SignalR:ConnectionString", "Endpoint=https://chat.service.signalr.net;AccessKey=b3duIHNpZ25hbHIga2V5;Version=1.0;"),
            ("NotificationHubs:ConnectionString", "Endpoint=sb://chat.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=b3duIG5oIGtleQ=="));

        Assert.Null(SampleKeyGuard.Refusal(configuration, SampleKeys));
    }

    [Fact]
    public void OneSampleKeyLeft_WithTheHostOnTheNetwork_Refuses_NamingBothSettings()
    {
        var configuration = Sample(
            ("urls", "http://192.168.1.20:7071"),
            ("Cosmos:ConnectionString", "AccountEndpoint=http://127.0.0.1:8081/;AccountKey=b3duIGtleQ=="),
            ("Sms:ConnectionString", "endpoint=http://127.0.0.1:7071/;accesskey=b3duIHNtcyBrZXk="),
            ("SignalR:ConnectionString", "Endpoint=http://127.0.0.1:7071;AccessKey=b3duIHNpZ25hbHIga2V5;Version=1.0;"),
            ("NotificationHubs:ConnectionString", "Endpoint=http://127.0.0.1:7071/_local/notification-hubs/;SharedAccessKeyName=x;SharedAccessKey=b3duIG5oIGtleQ=="),
            ("Auth:RefreshTokenKey", "b3duIHJlZnJlc2gga2V5IG9mIG15IG93bg=="));

        var refusal = SampleKeyGuard.Refusal(configuration, SampleKeys);

        Assert.NotNull(refusal);
        Assert.Contains("urls", refusal, StringComparison.Ordinal);
        Assert.Contains("Auth:SigningKeys:0:Key", refusal, StringComparison.Ordinal);
    }

    /// <summary>The sample settings as the local host reads them, with <paramref name="overrides"/> on top.</summary>
    private static IConfiguration Sample(params (string Key, string Value)[] overrides) =>
        new ConfigurationBuilder()
            .AddLocalSettingsFrom(LocalSettings.SamplePath)
            .AddInMemoryCollection(overrides.Select(o => KeyValuePair.Create(o.Key, (string?)o.Value)))
            .Build();
}
