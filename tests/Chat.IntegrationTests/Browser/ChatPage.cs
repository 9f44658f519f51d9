namespace Chat.IntegrationTests.Browser;

using Chat.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

/// <summary>The web app as one user sees it, reached only through the accessible names of web/README.md (a contract).</summary>
public sealed class ChatPage(IPage page, TestHost host)
{
    public IPage Page => page;

    public IBrowserContext Context => page.Context;

    public ILocator ChatList => page.GetByRole(AriaRole.List, new() { Name = "Chats" });

    public ILocator Messages => page.GetByRole(AriaRole.Log, new() { Name = "Messages" });

    public ILocator Composer => page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });

    public ILocator BackToChats => page.GetByRole(AriaRole.Button, new() { Name = "Back to chats" });

    public ILocator ChatItem(string name) => ChatList.GetByRole(AriaRole.Listitem).Filter(new() { HasText = name });

    public ILocator Unread(string chatName, int count) => ChatItem(chatName).GetByLabel($"{count} unread", new() { Exact = true });

    public ILocator AnyUnread(string chatName) => ChatItem(chatName).GetByLabel(new System.Text.RegularExpressions.Regex(@"^\d+ unread$"));

    /// <summary>The message articles of the open chat that show the text.</summary>
    public ILocator Message(string text) => Messages.GetByRole(AriaRole.Article).Filter(new() { HasText = text });

    /// <summary>The tick of one of your own messages: "Sending", "Sent", "Delivered" or "Read".</summary>
    public ILocator Status(string text, string status) => Message(text).GetByRole(AriaRole.Status, new() { Name = status, Exact = true });

    /// <summary>Sign-up form, then the SMS code from the local host's sink (<c>GET /_local/sms</c>); signed in after it.</summary>
    public async Task SignUpAsync(string phone, string displayName, string password, Func<Task>? beforeSubmit = null)
    {
        await Button("Create account").ClickAsync(); // the sign-in form's switch
        await Textbox("Phone number").FillAsync(phone);
        await Textbox("Display name").FillAsync(displayName);
        await Textbox("Password").FillAsync(password);
        if (beforeSubmit is not null)
        {
            await beforeSubmit();
        }

        await Button("Create account").ClickAsync();
        await Expect(Textbox("Verification code")).ToBeVisibleAsync();
        await Textbox("Verification code").FillAsync(await SmsCodeAsync(phone));
        await Button("Verify").ClickAsync();
        await Expect(ChatList).ToBeVisibleAsync();
    }

    public async Task SignInAsync(string phone, string password)
    {
        await Textbox("Phone number").FillAsync(phone);
        await Textbox("Password").FillAsync(password);
        await Button("Sign in").ClickAsync();
        await Expect(ChatList).ToBeVisibleAsync();
    }

    /// <summary>"New chat", the other user's phone number, "Start chat": the chat opens.</summary>
    public async Task StartChatAsync(string phone)
    {
        await Button("New chat").ClickAsync();
        await Textbox("Phone number").FillAsync(phone);
        await Button("Start chat").ClickAsync();
        await Expect(Messages).ToBeVisibleAsync();
    }

    public async Task OpenChatAsync(string name)
    {
        await ChatItem(name).ClickAsync();
        await Expect(Messages).ToBeVisibleAsync();
    }

    public async Task SendAsync(string text)
    {
        await Composer.FillAsync(text);
        await Button("Send").ClickAsync();
        await Expect(Message(text)).ToHaveCountAsync(1);
    }

    public ILocator Button(string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public ILocator Textbox(string name) => page.GetByRole(AriaRole.Textbox, new() { Name = name, Exact = true });

    private async Task<string> SmsCodeAsync(string phone)
    {
        var client = host.NewClient();
        await Infrastructure.Expect.Eventually(async () => (await client.LocalSmsAsync(phone)).Count > 0, TimeSpan.FromSeconds(30), "the verification SMS reaches the local sink");
        return await TestHost.LastCodeAsync(client, phone);
    }
}
