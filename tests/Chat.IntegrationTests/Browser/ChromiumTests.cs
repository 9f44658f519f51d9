namespace Chat.IntegrationTests.Browser;

using Xunit;

public sealed class ChromiumTests
{
    [Fact]
    public async Task MissingChromium_FailsAtOnce_SayingToInstallDebiansChromium()
    {
        var e = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => Chromium.LaunchAsync("/nonexistent/chromium"));

        Assert.Contains("apt-get install -y chromium", e.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/chromium", e.Message, StringComparison.Ordinal);
    }
}
