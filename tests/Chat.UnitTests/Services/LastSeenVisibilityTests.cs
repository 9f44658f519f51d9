namespace Chat.UnitTests.Services;

using Chat.Core.Accounts;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Presence;
using Chat.UnitTests.TestData;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

/// <summary>The cached "hides last seen" choice lives as long as the user's activity, so a change of it must reach
/// the cache: hiding before the profile, showing after it, and neither is dropped when the cache is down.</summary>
public sealed class LastSeenVisibilityTests
{
    private readonly ChatHarness h = new();
    private readonly List<string> order = [];

    public LastSeenVisibilityTests()
    {
        h.Users.Setup(u => u.TryReplaceAsync(It.IsAny<UserAccount>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback(() => order.Add("profile"))
            .ReturnsAsync(true);
        h.Presence.Setup(p => p.SetHiddenAsync("alice", It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Callback((string _, bool hidden, CancellationToken _) => order.Add(hidden ? "cache hidden" : "cache shown"))
            .Returns(Task.CompletedTask);
    }

    private UserService Service => new(
        h.Users.Object,
        h.Directory.Object,
        new PresenceService(h.Presence.Object, h.Users.Object, h.Realtime.Object, h.Time, NullLogger<PresenceService>.Instance),
        h.MediaService,
        h.Limiter,
        Options.Create(new LimitsOptions()));

    [Fact]
    public async Task Hiding_IsCachedBeforeTheProfileChanges()
    {
        await Service.UpdateMeAsync("alice", new UpdateProfileRequest(null, null, null, LastSeenVisibility.Nobody), CancellationToken.None);

        Assert.Equal(["cache hidden", "profile"], order);
    }

    [Fact]
    public async Task ShowingAgain_IsCachedAfterTheProfileChanges()
    {
        await Service.UpdateMeAsync("alice", new UpdateProfileRequest(null, null, null, LastSeenVisibility.Everyone), CancellationToken.None);

        Assert.Equal(["profile", "cache shown"], order);
    }

    [Fact]
    public async Task ShowingAgain_WithTheCacheDown_Is503_SoARetryWritesIt()
    {
        h.Presence.Setup(p => p.SetHiddenAsync("alice", false, It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("presence store", TimeSpan.FromSeconds(1)));

        var error = await Assert.ThrowsAsync<ChatException>(() =>
            Service.UpdateMeAsync("alice", new UpdateProfileRequest(null, null, null, LastSeenVisibility.Everyone), CancellationToken.None));

        Assert.Equal(ErrorKind.Unavailable, error.Kind);
    }

    [Fact]
    public async Task Hiding_WithTheCacheDown_Is503_AndLeavesTheProfileAlone()
    {
        h.Presence.Setup(p => p.SetHiddenAsync("alice", true, It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("presence store", TimeSpan.FromSeconds(1)));

        await Assert.ThrowsAsync<ChatException>(() =>
            Service.UpdateMeAsync("alice", new UpdateProfileRequest(null, null, null, LastSeenVisibility.Nobody), CancellationToken.None));

        Assert.Empty(order);
    }
}
