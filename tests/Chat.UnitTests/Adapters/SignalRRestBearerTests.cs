namespace Chat.UnitTests.Adapters;

using Azure.Core;
using Chat.Functions.Realtime;
using Chat.UnitTests.TestData;
using Microsoft.Extensions.Options;
using Moq;

public sealed class SignalRRestBearerTests
{
    private const string Audience = SignalRHarness.Hub + "/groups/g_chat1/:send";

    private readonly Mock<TokenCredential> credential = new();

    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider time = TestClock.New();

    [Fact]
    public async Task AccessKey_SameAudience_ReusesTheTokenUntilAMinuteBeforeItExpires()
    {
        var bearer = KeyBearer();

        var first = await bearer.ForAsync(Audience, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Same(first, await bearer.ForAsync(Audience, CancellationToken.None));

        time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.NotEqual(first, await bearer.ForAsync(Audience, CancellationToken.None));
    }

    [Fact]
    public async Task AccessKey_OtherAudience_GetsItsOwnToken()
    {
        var bearer = KeyBearer();

        Assert.NotEqual(await bearer.ForAsync(Audience, CancellationToken.None), await bearer.ForAsync(SignalRHarness.Hub + "/users/bob/:send", CancellationToken.None));
    }

    [Fact]
    public async Task ManagedIdentity_AsksTheCredentialOnce_UntilTheTokenIsDueForRefresh()
    {
        credential.SetupSequence(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AccessToken("first", TestClock.Start.AddMinutes(60)))
            .ReturnsAsync(new AccessToken("second", TestClock.Start.AddMinutes(120)));
        var bearer = new SignalRRestBearer(Options.Create(new SignalROptions { Endpoint = new Uri(SignalRHarness.Host) }), credential.Object, time);

        Assert.Equal("first", await bearer.ForAsync(Audience, CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(58));
        Assert.Equal("first", await bearer.ForAsync(SignalRHarness.Hub + "/users/bob/:send", CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.Equal("second", await bearer.ForAsync(Audience, CancellationToken.None));
        credential.Verify(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    private SignalRRestBearer KeyBearer() => new(
        Options.Create(new SignalROptions { ConnectionString = $"Endpoint={SignalRHarness.Host};AccessKey={SignalRHarness.AccessKey};Version=1.0;" }),
        credential.Object,
        time);
}
