namespace Chat.UnitTests.Services;

using Chat.Core.Errors;
using Chat.Core.Ports;
using Chat.Core.Realtime;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

/// <summary>What the app does with the connection events of the real-time service's upstream.</summary>
public sealed class SessionConnectionsTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly Mock<ISessionCheck> sessions = new();
    private readonly Mock<IRealtime> realtime = new();
    private readonly Mock<IUserConnections> userConnections = new();
    private readonly List<string> calls = [];

    public SessionConnectionsTests()
    {
        realtime.Setup(r => r.AddConnectionToGroupAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string c, string g, CancellationToken _) => calls.Add($"add {c} {g}"))
            .ReturnsAsync(true);
        sessions.Setup(s => s.EnsureActiveNowAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string u, string s, CancellationToken _) => calls.Add($"check {u} {s}"))
            .Returns(Task.CompletedTask);
        realtime.Setup(r => r.CloseConnectionAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string c, string reason, CancellationToken _) => calls.Add($"close {c} {reason}"))
            .Returns(Task.CompletedTask);
        userConnections.Setup(u => u.TrackAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string u, string c, CancellationToken _) => calls.Add($"track {u} {c}"))
            .Returns(Task.CompletedTask);
        userConnections.Setup(u => u.ForgetAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string u, string c, CancellationToken _) => calls.Add($"forget {u} {c}"))
            .Returns(Task.CompletedTask);
    }

    private SessionConnections Service => new(sessions.Object, realtime.Object, userConnections.Object, NullLogger<SessionConnections>.Instance);

    [Fact]
    public async Task Connected_ActiveSession_JoinsItsSessionGroup_BeforeTheFreshCheck_StaysOpen_AndIsListedUnderItsUser()
    {
        await Service.ReportedAsync("connections", "connected", new RealtimeConnection("c1", "alice", "s1"), None);

        Assert.Equal(["add c1 session-s1", "check alice s1", "track alice c1"], calls);
        realtime.Verify(r => r.CloseConnectionAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Connected_RevokedSession_IsClosed_AndNotListed()
    {
        sessions.Setup(s => s.EnsureActiveNowAsync("alice", "s1", It.IsAny<CancellationToken>())).ThrowsAsync(ChatErrors.Unauthorized("revoked"));

        await Service.ReportedAsync("connections", "connected", new RealtimeConnection("c1", "alice", "s1"), None);

        realtime.Verify(r => r.CloseConnectionAsync("c1", SessionConnections.RevokedReason, It.IsAny<CancellationToken>()), Times.Once);
        userConnections.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Connected_ConnectionStoreUnavailable_StaysOpen_ForOnlyTheTypingEchoDependsOnTheList()
    {
        userConnections.Setup(u => u.TrackAsync("alice", "c1", It.IsAny<CancellationToken>())).ThrowsAsync(ChatErrors.Unavailable("connection store", TimeSpan.FromSeconds(1)));

        await Service.ReportedAsync("connections", "connected", new RealtimeConnection("c1", "alice", "s1"), None);

        realtime.Verify(r => r.CloseConnectionAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Disconnected_TakesTheConnectionOffItsUsersList_EvenWhenTheStoreIsDown()
    {
        await Service.ReportedAsync("connections", "disconnected", new RealtimeConnection("c1", "alice", "s1"), None);
        userConnections.Setup(u => u.ForgetAsync("alice", "c2", It.IsAny<CancellationToken>())).ThrowsAsync(ChatErrors.Unavailable("connection store", TimeSpan.FromSeconds(1)));
        await Service.ReportedAsync("connections", "disconnected", new RealtimeConnection("c2", "alice", "s1"), None);

        Assert.Equal(["forget alice c1"], calls);
        realtime.VerifyNoOtherCalls();
        sessions.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Connected_SessionStoreUnavailable_StaysOpen_InItsGroup()
    {
        sessions.Setup(s => s.EnsureActiveNowAsync("alice", "s1", It.IsAny<CancellationToken>()))
            .ThrowsAsync(ChatErrors.Unavailable("session store", TimeSpan.FromSeconds(1)));

        await Service.ReportedAsync("connections", "connected", new RealtimeConnection("c1", "alice", "s1"), None);

        realtime.Verify(r => r.AddConnectionToGroupAsync("c1", "session-s1", It.IsAny<CancellationToken>()), Times.Once);
        realtime.Verify(r => r.CloseConnectionAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Connected_WithoutASession_IsClosed_ForARevocationCouldNeverReachIt()
    {
        await Service.ReportedAsync("connections", "connected", new RealtimeConnection("c1", "alice", null), None);

        Assert.Equal(["close c1 no-session"], calls);
    }

    [Fact]
    public async Task Connected_GroupAddRefused_ClosesTheConnection_SoItCannotOutliveARevocation()
    {
        realtime.Setup(r => r.AddConnectionToGroupAsync("c1", "session-s1", It.IsAny<CancellationToken>())).ReturnsAsync(false);

        await Service.ReportedAsync("connections", "connected", new RealtimeConnection("c1", "alice", "s1"), None);

        realtime.Verify(r => r.CloseConnectionAsync("c1", It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        sessions.Verify(s => s.EnsureActiveNowAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("messages", "connected")]
    [InlineData("connections", "reconnected")]
    public async Task OtherEvents_DoNothing(string category, string @event)
    {
        await Service.ReportedAsync(category, @event, new RealtimeConnection("c1", "alice", "s1"), None);

        realtime.VerifyNoOtherCalls();
        sessions.VerifyNoOtherCalls();
        userConnections.VerifyNoOtherCalls();
    }

    [Fact]
    public void SessionGroups_CannotCollideWithChatGroups()
    {
        Assert.StartsWith("session-", SessionGroups.Of("s1"), StringComparison.Ordinal);
        Assert.DoesNotContain(new[] { SessionGroups.Of("s1") }, g => g.StartsWith("d_", StringComparison.Ordinal) || g.StartsWith("g_", StringComparison.Ordinal));
    }
}
