namespace Chat.IntegrationTests.Browser;

using System.Net;
using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost;
using Microsoft.Playwright;
using Xunit;

/// <summary>One browser test's world: a local host of its own with the web app on (<c>LocalHost:WebApp</c>, as
/// <c>dotnet run</c> has it) on the run's stand-ins, and headless Chromium, one browser context per user.</summary>
public sealed class BrowserTestBed : IAsyncDisposable
{
    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private static readonly SemaphoreSlim BuildGate = new(1, 1);

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private BrowserTestBed(TestHost host, IPlaywright playwright, IBrowser browser)
    {
        Host = host;
        this.playwright = playwright;
        this.browser = browser;
    }

    public TestHost Host { get; }

    public static async Task<BrowserTestBed> StartAsync(BackendFixture backend)
    {
        Assertions.SetDefaultExpectTimeout(20_000); // two cores shared with the stand-ins and other tests
        var (playwright, browser) = await Chromium.LaunchAsync();
        await BuildTheAppAsync();
        var host = await backend.StartHostAsync(new Dictionary<string, string?> { ["LocalHost:WebApp"] = "true" });
        var bed = new BrowserTestBed(host, playwright, browser);
        await bed.WaitForTheAppAsync();
        return bed;
    }

    /// <summary>A user's browser: a fresh context (its own sessionStorage), the app opened at <c>/</c>.</summary>
    public async Task<ChatPage> OpenAsync(ViewportSize? viewport = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport ?? Desktop, BaseURL = Host.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        return new ChatPage(page, Host);
    }

    /// <summary>A user made through the API (register, the SMS code, verify, sign in), for screens that start signed out.</summary>
    public async Task<(ChatClient Client, string Phone, string Password)> NewApiUserAsync(string displayName)
    {
        const string password = "correct-horse-1";
        var client = Host.NewClient();
        var phone = TestHost.NewPhoneNumber();
        var registration = await client.RegisterAsync(phone, displayName, password);
        await client.VerifyAsync(phone, await TestHost.LastCodeAsync(client, phone), registration.RegistrationId);
        await client.LoginAsync(phone, password);
        return (client, phone, password);
    }

    /// <summary>Built here, before the host starts, when a source is newer than dist: a host that found it stale would
    /// serve the old index.html while its own build empties dist under the page.</summary>
    private static async Task BuildTheAppAsync()
    {
        var app = new NodeProject(Path.Combine("web", "app"), imports: new NodeProject(Path.Combine("web", "sdk")));
        await app.EnsureInstalledAsync(); // the same gate as WebAppTests: one npm ci at a time
        await BuildGate.WaitAsync();
        try
        {
            if (LocalWebApp.NeedsBuild())
            {
                var (exitCode, output) = await app.ViteBuildAsync();
                Assert.True(exitCode == 0, "vite build in web/app failed: " + output);
            }
        }
        finally
        {
            BuildGate.Release();
        }
    }

    private async Task WaitForTheAppAsync()
    {
        using var http = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await Expect.Eventually(async () =>
        {
            using var response = await http.GetAsync("/");
            return response.StatusCode == HttpStatusCode.OK; // 503 with a wait page while the first build runs
        }, TimeSpan.FromMinutes(3), "the local host builds and serves the web app");
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
        await Host.DisposeAsync();
    }
}
