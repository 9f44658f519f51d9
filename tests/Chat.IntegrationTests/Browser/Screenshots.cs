namespace Chat.IntegrationTests.Browser;

using Chat.LocalHost;
using Microsoft.Playwright;

/// <summary>Screenshots of the main screens: always into the test's output folder (<c>screenshots/</c> beside the test
/// assembly), and into the repository's <c>web/screenshots</c> only with <c>CHAT_UPDATE_SCREENSHOTS=1</c>, so a plain
/// <c>dotnet test</c> leaves the work tree clean.</summary>
public static class Screenshots
{
    public static string OutputDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static string RepositoryDirectory => Path.Combine(RepositoryLayout.Root, "web", "screenshots");

    public static bool UpdateRepository => Environment.GetEnvironmentVariable("CHAT_UPDATE_SCREENSHOTS") == "1";

    public static async Task TakeAsync(IPage page, string name)
    {
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { Animations = ScreenshotAnimations.Disabled, Caret = ScreenshotCaret.Hide });
        await WriteAsync(OutputDirectory, name, png);
        if (UpdateRepository)
        {
            await WriteAsync(RepositoryDirectory, name, png);
        }
    }

    private static async Task WriteAsync(string directory, string name, byte[] png)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, name + ".png"), png);
    }
}
