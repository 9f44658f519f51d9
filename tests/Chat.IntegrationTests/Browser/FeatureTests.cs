namespace Chat.IntegrationTests.Browser;

using Chat.Client;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

/// <summary>API v1.1 from the web app against the real backend: what the page does is checked through the API, as
/// another member's client sees it (a group made in the page, a reaction, a reply, an edit, a search, a delete).</summary>
[Collection(BackendCollection.Name)]
public sealed class FeatureTests(BackendFixture backend)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AGroupMadeInThePage_WithAReaction_AReply_AnEdit_ASearch_AndADelete_ReachesTheOtherMember()
    {
        await using var bed = await BrowserTestBed.StartAsync(backend);
        var (_, alicePhone, alicePassword) = await bed.NewApiUserAsync("Alice");
        var (bob, bobPhone, _) = await bed.NewApiUserAsync("Bob");
        var alice = await bed.OpenAsync();
        await alice.SignInAsync(alicePhone, alicePassword);

        await alice.Button("New group").ClickAsync();
        await alice.Textbox("Group name").FillAsync("Trip");
        await alice.Textbox("Member phone numbers").FillAsync(bobPhone);
        await alice.Button("Create group").ClickAsync();
        await Expect(alice.Messages).ToBeVisibleAsync();
        var group = await EventuallyAsync(async () => (await bob.ListChatsAsync()).Chats.SingleOrDefault(c => c.Name == "Trip"), "Bob is in the group");
        var question = await bob.SendTextAsync(group.ChatId, "Shall we go to Lisbon?");
        var asked = alice.Message("Shall we go to Lisbon?").First; // a reply quotes it too, below

        await MenuAsync(asked, "React", "React with 👍");
        await EventuallyAsync(async () => (await MessageAsync(bob, group.ChatId, question.Seq))?.Reactions?.SingleOrDefault(r => r.Emoji == "👍"), "Alice's reaction is stored");

        await MenuAsync(asked, "Message actions", "Reply");
        await alice.SendAsync("Yes, Lisbon!");
        var reply = await EventuallyAsync(async () => (await bob.GetMessagesAsync(group.ChatId)).Messages.SingleOrDefault(m => m.Text == "Yes, Lisbon!"), "the reply is stored");
        Assert.Equal(question.Seq, reply.ReplyToSeq);

        await MenuAsync(alice.Message("Yes, Lisbon!"), "Message actions", "Edit");
        await alice.Composer.FillAsync("Yes, Lisbon in May!");
        await alice.Button("Send").ClickAsync();
        await Expect(alice.Message("Yes, Lisbon in May!")).ToContainTextAsync("edited");
        await EventuallyAsync(async () => (await MessageAsync(bob, group.ChatId, reply.Seq)) is { Text: "Yes, Lisbon in May!", EditedAt: not null } edited ? edited : null, "the edit is stored");

        await alice.Button("Search messages").ClickAsync();
        await alice.Page.GetByRole(AriaRole.Searchbox, new() { Name = "Search in chat" }).FillAsync("lisbon");
        await alice.Button("Search").ClickAsync();
        await Expect(alice.Page.GetByRole(AriaRole.List, new() { Name = "Search results" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);

        await MenuAsync(alice.Message("Yes, Lisbon in May!"), "Message actions", "Delete for everyone");
        await alice.Page.GetByRole(AriaRole.Dialog, new() { Name = "Delete message?" }).GetByRole(AriaRole.Button, new() { Name = "Delete for everyone" }).ClickAsync();
        await Expect(alice.Messages.GetByText("This message was deleted")).ToBeVisibleAsync();
        await EventuallyAsync(async () => (await MessageAsync(bob, group.ChatId, reply.Seq)) is { Deleted: true } gone ? gone : null, "the delete reaches Bob");
    }

    /// <summary>Opens a message's menu button and picks an item (the WAI-ARIA menu button of the app).</summary>
    private static async Task MenuAsync(ILocator message, string menu, string item)
    {
        await message.GetByRole(AriaRole.Button, new() { Name = menu, Exact = true }).ClickAsync();
        await message.Page.GetByRole(AriaRole.Menuitem, new() { Name = item, Exact = true }).ClickAsync();
    }

    private static async Task<Message?> MessageAsync(ChatClient client, string chatId, long seq) =>
        (await client.GetMessagesAsync(chatId, afterSeq: seq - 1, limit: 1)).Messages.SingleOrDefault(m => m.Seq == seq);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, string because)
        where T : class
    {
        T? found = null;
        await Infrastructure.Expect.Eventually(async () => (found = await read()) is not null, Within, because);
        return found!;
    }
}
