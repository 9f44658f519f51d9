namespace Chat.IntegrationTests;

using System.Net;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>The local host with <c>LocalHost:WebApp</c> on (as <c>dotnet run</c> has it): it builds web/app in the
/// background and serves it at <c>/</c>, while every API and local route answers as before.</summary>
[Collection(BackendCollection.Name)]
public sealed class WebAppHostingTests(BackendFixture backend)
{
    [Fact]
    public async Task WebApp_ServedAtRoot_WithoutShadowingTheApiOrLocalRoutes()
    {
        await new NodeProject(Path.Combine("web", "app")).EnsureInstalledAsync(); // the same gate as WebAppTests: one npm ci at a time
        await using var host = await backend.StartHostAsync(new Dictionary<string, string?> { ["LocalHost:WebApp"] = "true" });
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // Until the first build is done, / answers 503 with a page that says so.
        await Expect.Eventually(async () => await IsAppAsync(http), TimeSpan.FromMinutes(3), "the built app is served at /");

        using var deepLink = await http.GetAsync("/chats/some-chat");
        using var unknownApi = await http.GetAsync("/api/no-such-route");
        using var missingAsset = await http.GetAsync("/assets/no-such-file.js");
        using var postRoot = await http.PostAsync("/", null);
        using var sms = await http.GetAsync("/_local/sms?phoneNumber=%2B15550000001");

        Assert.Equal(HttpStatusCode.OK, deepLink.StatusCode);
        Assert.Equal("text/html", deepLink.Content.Headers.ContentType?.MediaType);
        await Expect.Problem(404, unknownApi);
        await Expect.Problem(404, missingAsset);
        await Expect.Problem(404, postRoot);
        Assert.Equal(HttpStatusCode.OK, sms.StatusCode);
        Assert.Equal("application/json", sms.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<bool> IsAppAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"/ answered {(int)response.StatusCode}: {body}");
        return response.StatusCode == HttpStatusCode.OK && body.Contains("<div id=\"root\">", StringComparison.Ordinal);
    }
}
