namespace Chat.IntegrationTests;

using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>The web app's (web/app) component tests: its screens in a DOM (happy-dom) against a fake backend.</summary>
public sealed class WebAppTests
{
    private static readonly NodeProject App = new(Path.Combine("web", "app"), imports: new NodeProject(Path.Combine("web", "sdk")));

    [Fact]
    public async Task ComponentTests_Pass()
    {
        var (exitCode, output) = await App.VitestAsync();

        Assert.True(exitCode == 0, output);
        Assert.Matches(@"Tests\s+\d+ passed", output);
        Assert.DoesNotMatch(@"Tests\s+\d+ failed", output);
    }

    [Fact]
    public async Task Sources_TypeCheck()
    {
        var (exitCode, output) = await App.TypeCheckAsync();

        Assert.True(exitCode == 0, output);
    }
}
