namespace Chat.UnitTests.Services;

using Chat.Core.Accounts;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Presence;
using Chat.UnitTests.TestData;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

/// <summary>A change of the "hides last seen" choice reaches the cache: hiding before the profile (refused without the
/// cache), showing after it (best effort: the profile is saved, the cache heals on the user's next comeback).</summary>
public sealed class LastSeenVisibilityTests
{
    private readonly ChatHarness h = new();
    private readonly List<string> order = [];

    public LastSeenVisibilityTests()
    {
        h.Users.Setup(u => u.TryReplaceAsync(It.IsAny<UserAccount>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback(() => order.Add("profile"))
            .ReturnsAsync(true);
        h.Presence.Setup(p => p.SetHiddenAsync("alice", It.IsAny<HiddenChoice>(), It.IsAny<CancellationToken>()))
            .Callback((string _, HiddenChoice choice, CancellationToken _) => order.Add((choice.Hidden ? "cache hidden v" : "cache shown v") + choice.Version))
            .Returns(Task.CompletedTask);
    }

    private UserService Service => new(
        h.Users.Object,
        h.Directory.Object,
        new PresenceService(h.Presence.Object, h.Users.Object, h.Realtime.Object, h.Connections.Object, h.Time, NullLogger<PresenceService>.Instance),
        h.MediaService,
        h.Limiter,
        Options.Create(new LimitsOptions()));

    [Fact]
    public async Task Hiding_IsCachedBeforeTheProfileChanges()
    {
        await Service.UpdateMeAsync("alice", new UpdateProfileRequest(null, null, null, LastSeenVisibility.Nobody), CancellationToken.None);

        Assert.Equal(["cache hidden v1", "profile"], order); // the profile's next version
    }

    [Fact]
    public async Task ShowingAgain_IsCachedAfterTheProfileChanges()
    {
        await Service.UpdateMeAsync("alice", new UpdateProfileRequest(null, null, null, LastSeenVisibility.Everyone), CancellationToken.None);

        Assert.Equal(["profile", "cache shown v1"], order);
    }

    [Fact]
    public async Task ShowingAgain_WithTheCacheDown_SavesTheProfile_AndSucceeds()
    {
        h.Presence.Setup(p => p.SetHiddenAsync("alice", It.Is<HiddenChoice>(c => !c.Hidden), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("presence store", TimeSpan.FromSeconds(1)));

        var shown = await Service.UpdateMeAsync("alice", new UpdateProfileRequest(null, null, null, LastSeenVisibility.Everyone), CancellationToken.None);

        Assert.Equal(["profile"], order); // nothing half-written: the profile is the truth, the cache heals on a comeback
        Assert.Equal("alice", shown.UserId);
    }

    [Fact]
    public async Task Hiding_WithTheCacheDown_Is503_AndLeavesTheProfileAlone()
    {
        h.Presence.Setup(p => p.SetHiddenAsync("alice", It.Is<HiddenChoice>(c => c.Hidden), It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("presence store", TimeSpan.FromSeconds(1)));

        await Assert.ThrowsAsync<ChatException>(() =>
            Service.UpdateMeAsync("alice", new UpdateProfileRequest(null, null, null, LastSeenVisibility.Nobody), CancellationToken.None));

        Assert.Empty(order);
    }
}
