namespace Chat.UnitTests.TestData;

using System.Net;
using Azure.Core;
using Chat.Functions.Queues;
using Chat.Functions.Realtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

/// <summary>A real <see cref="SignalRRestClient"/> over a <see cref="RecordingHandler"/>: access-key
/// mode by default, managed-identity mode with <see cref="ManagedIdentity"/>. Nothing leaves the process
/// (the storage queue client is built but only used when a group change fails, which tests avoid).</summary>
public sealed class SignalRHarness
{
    public const string Host = "https://example.service.signalr.net";
    public const string Hub = Host + "/api/hubs/chat";
    public const string ApiVersion = "api-version=2024-12-01";

    /// <summary>Shaped like a real access key (base64, with padding, so '=' inside the connection string is covered).</summary>
    public const string AccessKey = "c2lnbmFsci1hY2Nlc3Mta2V5LWZvci11bml0LXRlc3RzLTAxMjM0NTY3ODk=";

    public const string EntraScope = "https://signalr.azure.com/.default";
    public const string EntraToken = "entra-token-for-signalr";

    private SignalRHarness(SignalROptions options, HttpStatusCode status, string body)
    {
        Options = options;
        Handler = new RecordingHandler(status, body);
        Credential.Setup(c => c.GetTokenAsync(It.Is<TokenRequestContext>(r => r.Scopes.SequenceEqual(new[] { EntraScope })), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AccessToken(EntraToken, TestClock.Start.AddHours(1)));
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [QueueNames.Connection] = "UseDevelopmentStorage=true" })
            .Build();
        Client = new SignalRRestClient(
            new HttpClient(Handler),
            Microsoft.Extensions.Options.Options.Create(options),
            new StorageQueues(configuration, Credential.Object),
            Credential.Object,
            Binding,
            Time,
            NullLogger<SignalRRestClient>.Instance);
    }

    public SignalROptions Options { get; }

    public SignalRSessionBinding Binding { get; } = new(TestAuth.Wrap(TestAuth.Options()));

    public RecordingHandler Handler { get; }

    public Mock<TokenCredential> Credential { get; } = new();

    public FakeTimeProvider Time { get; } = TestClock.New();

    public SignalRRestClient Client { get; }

    public static SignalRHarness WithAccessKey(HttpStatusCode status = HttpStatusCode.Accepted, string body = "") =>
        new(new SignalROptions { ConnectionString = $"Endpoint={Host};AccessKey={AccessKey};Version=1.0;" }, status, body);

    public static SignalRHarness ManagedIdentity(HttpStatusCode status = HttpStatusCode.Accepted, string body = "") =>
        new(new SignalROptions { Endpoint = new Uri(Host) }, status, body);

    public (HttpRequestMessage Request, byte[] Body) Single() => Assert.Single(Handler.Requests);
}
