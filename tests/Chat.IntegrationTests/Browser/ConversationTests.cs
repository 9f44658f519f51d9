namespace Chat.IntegrationTests.Browser;

using Chat.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using SkiaSharp;
using Xunit;
using static Microsoft.Playwright.Assertions;

/// <summary>Two users in two browser contexts of real Chromium, on the served web app: sign-up, a direct chat, unread
/// counts, ticks, typing, an image and a reload.</summary>
[Collection(BackendCollection.Name)]
public sealed class ConversationTests(BackendFixture backend)
{
    private const string Password = "correct-horse-1";

    [Fact]
    public async Task TwoUsers_SignUp_AndChat_WithUnreadCounts_Ticks_Typing_AnImage_AndAReload()
    {
        await using var bed = await BrowserTestBed.StartAsync(backend);
        var alice = await bed.OpenAsync();
        var bob = await bed.OpenAsync();
        var bobPhone = TestHost.NewPhoneNumber();
        await alice.SignUpAsync(TestHost.NewPhoneNumber(), "Alice", Password, beforeSubmit: () => Screenshots.TakeAsync(alice.Page, "sign-up"));
        await bob.SignUpAsync(bobPhone, "Bob", Password);

        await alice.StartChatAsync(bobPhone);
        await alice.SendAsync("Hi Bob!");
        await Expect(bob.Unread("Alice", 1)).ToBeVisibleAsync();
        await alice.SendAsync("Are you there?");
        await Expect(bob.Unread("Alice", 2)).ToBeVisibleAsync();
        await Expect(alice.Status("Are you there?", "Delivered")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(bob.Page, "chat-list-unread");

        await bob.OpenChatAsync("Alice");
        await Expect(bob.AnyUnread("Alice")).ToHaveCountAsync(0);
        await Expect(bob.Message("Hi Bob!")).ToHaveCountAsync(1);
        await Expect(alice.Status("Hi Bob!", "Read")).ToBeVisibleAsync();
        await Expect(alice.Status("Are you there?", "Read")).ToBeVisibleAsync();

        await TypingShowsWhileTheOtherTypesAsync(typer: alice, watcher: bob);
        await bob.SendAsync("Yes, here.");
        await Expect(alice.Message("Yes, here.")).ToHaveCountAsync(1);
        await Expect(bob.Status("Yes, here.", "Read")).ToBeVisibleAsync();

        await AnImageArrivesAsync(alice, bob);
        await Screenshots.TakeAsync(alice.Page, "conversation");

        await bob.Page.ReloadAsync();
        await Expect(bob.ChatList).ToBeVisibleAsync(); // still signed in
        await Expect(bob.Button("Sign in")).ToHaveCountAsync(0);
        await bob.OpenChatAsync("Alice");
        await Expect(bob.Messages.GetByRole(AriaRole.Article)).ToHaveCountAsync(5);
        await Expect(bob.Message("Yes, here.")).ToHaveCountAsync(1);
        await Expect(bob.Messages.GetByRole(AriaRole.Img, new() { Name = "sunset.png" })).ToBeVisibleAsync();
    }

    /// <summary>The typer keeps typing, word by word, as a person does (the app announces typing at most every 3 s, the
    /// API drops extra signals within 2 s), until the watcher's header says "typing…"; sending the message ends it.</summary>
    private static async Task TypingShowsWhileTheOtherTypesAsync(ChatPage typer, ChatPage watcher)
    {
        var typing = watcher.Page.GetByText("typing…");
        await Expect(typing).ToHaveCountAsync(0);
        await Infrastructure.Expect.Eventually(async () =>
        {
            await typer.Composer.PressSequentiallyAsync("typing ");
            return await typing.IsVisibleAsync();
        }, TimeSpan.FromSeconds(20), "the watcher sees typing… while the other member types");
        await Screenshots.TakeAsync(watcher.Page, "typing");

        await typer.Composer.FillAsync("I am typing");
        await typer.Composer.PressAsync("Enter"); // Enter sends; the message ends the indicator
        await Expect(watcher.Message("I am typing")).ToHaveCountAsync(1);
        await Expect(typing).ToHaveCountAsync(0);
    }

    /// <summary>A real PNG attached through the file input arrives as an <c>img</c> named after the file, fetched with
    /// the token (the API's 302 to Azurite, another origin) into a blob URL and decoded.</summary>
    private static async Task AnImageArrivesAsync(ChatPage sender, ChatPage receiver)
    {
        var png = RealPng(120, 80);
        await sender.Page.GetByLabel("Attach file").SetInputFilesAsync(new FilePayload { Name = "sunset.png", MimeType = "image/png", Buffer = png });

        var image = receiver.Messages.GetByRole(AriaRole.Img, new() { Name = "sunset.png" });
        await Expect(image).ToBeVisibleAsync();
        await Expect(image).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^blob:"));
        Assert.Equal(120, await image.EvaluateAsync<int>("img => img.decode().then(() => img.naturalWidth)"));
        var ownCopy = sender.Messages.GetByRole(AriaRole.Img, new() { Name = "sunset.png" });
        await Expect(ownCopy).ToBeVisibleAsync();
        Assert.Equal(80, await ownCopy.EvaluateAsync<int>("img => img.decode().then(() => img.naturalHeight)"));
        await Expect(sender.Messages.GetByRole(AriaRole.Article).Filter(new() { Has = sender.Page.GetByRole(AriaRole.Img, new() { Name = "sunset.png" }) }).GetByRole(AriaRole.Status, new() { Name = "Read" })).ToBeVisibleAsync();
    }

    private static byte[] RealPng(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.SkyBlue);
            using var sun = new SKPaint { Color = SKColors.OrangeRed, IsAntialias = true };
            canvas.DrawCircle(width / 2f, height * 0.6f, height / 3f, sun);
            using var sea = new SKPaint { Color = SKColors.SteelBlue };
            canvas.DrawRect(0, height * 0.65f, width, height * 0.35f, sea);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
