namespace Chat.IntegrationTests.Browser;

using System.Text.RegularExpressions;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

/// <summary>A browser whose connection drops misses real-time events; when it is back, it shows what was sent meanwhile,
/// each message once and in order.</summary>
[Collection(BackendCollection.Name)]
public sealed class CatchUpTests(BackendFixture backend)
{
    /// <summary><c>POST /api/negotiate</c>, where every (re)connection of the page starts.</summary>
    private static readonly Regex NegotiateCalls = new("/api/negotiate");

    [Fact]
    public async Task DroppedConnection_CatchesUp_EachMissedMessageOnce_InOrder()
    {
        await using var bed = await BrowserTestBed.StartAsync(backend);
        var (alice, _, _) = await bed.NewApiUserAsync("Alice");
        var (bobApi, bobPhone, bobPassword) = await bed.NewApiUserAsync("Bob");
        var chat = await alice.OpenDirectAsync(bobApi.UserId);
        await alice.SendTextAsync(chat.ChatId, "before the drop");
        var bob = await bed.OpenAsync();
        await bob.SignInAsync(bobPhone, bobPassword);
        await bob.OpenChatAsync("Alice");
        await Expect(bob.Message("before the drop")).ToHaveCountAsync(1);

        await DropTheConnectionAsync(bed.Host, bob, bobApi);
        var away = bob.Page.GetByRole(AriaRole.Status).Filter(new() { HasTextRegex = new Regex("Reconnecting|Offline") }); // the list's connection line
        await Expect(away).ToBeVisibleAsync();
        string[] missed = ["missed one", "missed two", "missed three"];
        foreach (var text in missed)
        {
            await alice.SendTextAsync(chat.ChatId, text);
        }

        await bob.Context.UnrouteAsync(NegotiateCalls);
        await Expect(away).ToHaveCountAsync(0, new() { Timeout = 60_000 }); // the next try is at most 10 s away
        var articles = bob.Messages.GetByRole(AriaRole.Article);
        await Expect(articles).ToHaveCountAsync(4); // each once
        await Expect(articles).ToContainTextAsync(["before the drop", .. missed]); // one article each, in this order
        await Expect(bob.AnyUnread("Alice")).ToHaveCountAsync(0); // read as they came, the chat being open
    }

    /// <summary>The page's way back is cut first: its negotiate calls fail as they do with no network, so each reconnect
    /// attempt fails. Then the server closes the page's connection through the local SignalR service's REST API
    /// (<c>:closeConnections</c> of the browser session's group, as a revocation does). Offline emulation
    /// (<c>SetOfflineAsync</c>) would not do: Chromium holds an open WebSocket's frames while offline, close included,
    /// so the page never noticed the drop (tried).</summary>
    private static async Task DropTheConnectionAsync(TestHost host, ChatPage page, Chat.Client.ChatClient sameUser)
    {
        var browserSession = (await sameUser.ListSessionsAsync()).Single(s => !s.Current).SessionId;
        var group = SessionGroups.Of(browserSession);
        var registry = host.Services.GetRequiredService<LocalGroupRegistry>();
        await Infrastructure.Expect.Eventually(() => Task.FromResult(registry.ConnectionsIn(group).Count > 0), because: "the page's connection is tracked by its session");

        await page.Context.RouteAsync(NegotiateCalls, route => route.AbortAsync("internetdisconnected"));
        await host.Services.GetRequiredService<IRealtime>().CloseSessionAsync(new SessionClose(sameUser.UserId, browserSession), CancellationToken.None);
        await Infrastructure.Expect.Eventually(() => Task.FromResult(registry.ConnectionsIn(group).Count == 0), because: "the service closed the page's connection");
    }
}
