namespace Chat.IntegrationTests;

using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>
/// The web client's TypeScript SDK (web/sdk): its vitest unit tests, and its live tests against this run's
/// local host (sign-up with the SMS code, real time through the npm SignalR client, receipts, media to Azurite).
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class WebSdkTests(BackendFixture backend)
{
    private static readonly NodeProject Sdk = new(Path.Combine("web", "sdk"));

    [Fact]
    public async Task UnitTests_Pass()
    {
        var (exitCode, output) = await Sdk.VitestAsync();

        Assert.True(exitCode == 0, output);
        Assert.Matches(@"Tests\s+\d+ passed", output);
        Assert.DoesNotMatch(@"Tests\s+\d+ failed", output);
    }

    [Fact]
    public async Task Sources_TypeCheck()
    {
        var (exitCode, output) = await Sdk.TypeCheckAsync();

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task LiveTests_AgainstTheLocalHost_Pass()
    {
        var baseUrl = backend.Host.BaseAddress.ToString().TrimEnd('/');

        var (exitCode, output) = await Sdk.VitestAsync(new Dictionary<string, string> { ["CHAT_BASE_URL"] = baseUrl }, "test/live.test.ts");

        Assert.True(exitCode == 0, output);
        Assert.Matches(@"Tests\s+3 passed", output); // run, not skipped
    }
}
