namespace Chat.IntegrationTests.Browser;

using Microsoft.Playwright;

/// <summary>Debian's Chromium (<c>apt-get install chromium</c>), driven headless by Playwright's bundled driver;
/// Playwright never downloads a browser of its own here.</summary>
public static class Chromium
{
    public const string DefaultPath = "/usr/bin/chromium";

    /// <summary><c>CHAT_CHROMIUM</c> names another Chromium binary.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHAT_CHROMIUM") is { Length: > 0 } path ? path : DefaultPath;

    public static Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync() => LaunchAsync(ExecutablePath);

    /// <summary>Fails at once, saying what to install, when there is no Chromium at <paramref name="executablePath"/>.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync(string executablePath)
    {
        if (!File.Exists(executablePath))
        {
            throw new Xunit.Sdk.XunitException(
                $"The browser tests need Chromium at {executablePath}: install Debian's chromium (apt-get install -y chromium), "
                + "as .ci/run does, or set CHAT_CHROMIUM to another Chromium binary.");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executablePath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-dev-shm-usage"], // root in CI; small /dev/shm in containers
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
