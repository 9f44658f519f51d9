namespace Chat.IntegrationTests.Browser;

using Chat.IntegrationTests.Infrastructure;
using Xunit;
using static Microsoft.Playwright.Assertions;

/// <summary>At phone width (390 x 844) the chat list and the open chat take turns, with "Back to chats".</summary>
[Collection(BackendCollection.Name)]
public sealed class PhoneWidthTests(BackendFixture backend)
{
    [Fact]
    public async Task PhoneWidth_ShowsOnePaneAtATime_WithBackToChats()
    {
        await using var bed = await BrowserTestBed.StartAsync(backend);
        var (alice, _, _) = await bed.NewApiUserAsync("Alice");
        var (bobApi, bobPhone, bobPassword) = await bed.NewApiUserAsync("Bob");
        var chat = await alice.OpenDirectAsync(bobApi.UserId);
        await alice.SendTextAsync(chat.ChatId, "Lunch at noon?");
        var bob = await bed.OpenAsync(BrowserTestBed.Phone);

        await bob.SignInAsync(bobPhone, bobPassword);
        await Expect(bob.Unread("Alice", 1)).ToBeVisibleAsync();
        await Expect(bob.Messages).ToHaveCountAsync(0);
        await Screenshots.TakeAsync(bob.Page, "phone-chat-list");

        await bob.OpenChatAsync("Alice");
        await Expect(bob.ChatList).ToBeHiddenAsync();
        await Expect(bob.Message("Lunch at noon?")).ToBeVisibleAsync();
        await bob.SendAsync("Sounds good!");
        await Expect(bob.Status("Sounds good!", "Sent")).ToBeVisibleAsync(); // Alice has no device online to deliver it to
        await Screenshots.TakeAsync(bob.Page, "phone-conversation");

        await bob.BackToChats.ClickAsync();
        await Expect(bob.ChatList).ToBeVisibleAsync();
        await Expect(bob.Messages).ToHaveCountAsync(0);
        await Expect(bob.AnyUnread("Alice")).ToHaveCountAsync(0);
    }
}
