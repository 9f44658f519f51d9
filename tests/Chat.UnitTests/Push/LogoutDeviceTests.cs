namespace Chat.UnitTests.Push;

using Chat.Core.Accounts;
using Chat.Core.Errors;
using Chat.Core.Push;
using Chat.UnitTests.TestData;
using Moq;

/// <summary>Logging out with an installation id also removes that device's push registration, so a
/// signed-out phone stops getting the user's notifications.</summary>
public sealed class LogoutDeviceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly AccountHarness h = new();

    [Fact]
    public async Task Logout_WithInstallationId_RevokesTheSession_AndDeletesTheUsersHubInstallation()
    {
        h.AddUser();
        var login = await h.LoginAsync();

        var revoked = await h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, "phone-1"), None);

        Assert.True(revoked!.Revoked);
        h.PushHub.Verify(p => p.DeleteDeviceAsync("user1-phone-1", It.IsAny<CancellationToken>()), Times.Once);
        h.PushHub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Logout_WithoutInstallationId_LeavesDevicesAlone()
    {
        h.AddUser();
        var login = await h.LoginAsync();

        await h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, null), None);

        Assert.True(h.Session!.Value.Revoked);
        h.PushHub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Logout_Again_OfARevokedSession_StillDeletesTheInstallation()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        await h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, null), None);

        var result = await h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, "phone-1"), None);

        Assert.Null(result);
        h.PushHub.Verify(p => p.DeleteDeviceAsync("user1-phone-1", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad id")]
    [InlineData("../user2-phone")]
    public async Task Logout_MalformedInstallationId_Is400_BeforeAnythingChanges(string installationId)
    {
        h.AddUser();
        var login = await h.LoginAsync();

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, installationId), None));

        Assert.Equal(400, error.Status);
        Assert.Equal(["installationId"], error.Errors!.Keys);
        Assert.False(h.Session!.Value.Revoked);
        h.PushHub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Logout_AnotherUsersRefreshToken_DeletesNoInstallation()
    {
        h.AddUser();
        var login = await h.LoginAsync();

        await Assert.ThrowsAsync<ChatException>(() => h.Service.LogoutAsync("user2", new LogoutRequest(login.RefreshToken, "phone-1"), None));

        h.PushHub.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Logout_HubUnavailable_Is503_AndARetryRemovesTheDevice()
    {
        h.AddUser();
        var login = await h.LoginAsync();
        h.PushHub.SetupSequence(p => p.DeleteDeviceAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new PushDeliveryException("unreachable", transient: true))
            .Returns(Task.CompletedTask);

        var error = await Assert.ThrowsAsync<ChatException>(() => h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, "phone-1"), None));
        await h.Service.LogoutAsync("user1", new LogoutRequest(login.RefreshToken, "phone-1"), None);

        Assert.Equal(503, error.Status);
        Assert.NotNull(error.RetryAfter);
        Assert.True(h.Session!.Value.Revoked);
        h.PushHub.Verify(p => p.DeleteDeviceAsync("user1-phone-1", It.IsAny<CancellationToken>()), Times.Exactly(2));
    }
}
