namespace Chat.IntegrationTests;

using Chat.Client;
using Chat.Core.Realtime;
using Chat.IntegrationTests.Infrastructure;
using Chat.LocalHost.SignalR;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

/// <summary>API v1.1: revoking one session closes that session's real-time connections within 10 s, and only those;
/// it cannot reconnect. The local SignalR service reports connections to the app's upstream as Azure does.</summary>
[Collection(BackendCollection.Name)]
public sealed class SessionConnectionsTests(BackendFixture backend)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private TestHost Host => backend.Host;

    [Fact]
    public async Task RevokingSessionB_ClosesBsConnection_AsStaysAndReceives_AndBCannotReconnect()
    {
        var (deviceA, deviceB, sessionB) = await TwoDevicesAsync("Laptop B");
        var friend = await Host.NewUserAsync();
        var chat = await friend.OpenDirectAsync(deviceA.UserId);
        var answerB = await deviceB.NegotiateAsync(); // a client token of B's that is still unexpired after the revocation
        var (connectionA, logA) = await EventLog.ConnectAsync(deviceA);
        var (connectionB, _) = await EventLog.ConnectAsync(deviceB);
        await using (connectionA)
        await using (connectionB)
        {
            var closedB = await TrackedAsync(connectionB.Connection, sessionB);

            await deviceA.RevokeSessionAsync(sessionB);

            await closedB.WaitAsync(Within);
            Assert.Equal(HubConnectionState.Connected, connectionA.Connection.State);
            var sent = await friend.SendTextAsync(chat.ChatId, "A still hears this");
            await Expect.Eventually(() => Task.FromResult(logA.Messages.Any(m => m.Seq == sent.Seq)), Within, "A's connection still receives");
            Assert.Equal(HubConnectionState.Connected, connectionA.Connection.State);

            await Expect.Problem(401, () => deviceB.NegotiateAsync());
            await AssertClosedSoonAsync(answerB);
        }
    }

    [Fact]
    public async Task ARevocationTheServiceRefusesAtFirst_StillClosesTheSessionsConnection_ThroughTheQueue()
    {
        var (deviceA, deviceB, sessionB) = await TwoDevicesAsync("Tablet B");
        var (connectionA, _) = await EventLog.ConnectAsync(deviceA);
        var (connectionB, _) = await EventLog.ConnectAsync(deviceB);
        await using (connectionA)
        await using (connectionB)
        {
            var closedB = await TrackedAsync(connectionB.Connection, sessionB);

            // the inline call and its retries fail, and so does the first queued try
            Host.Services.GetRequiredService<LocalSignalRFaults>().FailNext("POST", $"/groups/{SessionGroups.Of(sessionB)}/:closeConnections", times: 4);
            await deviceA.RevokeSessionAsync(sessionB);

            await closedB.WaitAsync(TimeSpan.FromSeconds(45));
            Assert.Equal(HubConnectionState.Connected, connectionA.Connection.State);
        }
    }

    [Fact]
    public async Task Logout_ClosesThatDevicesConnection_NotTheUsersOtherDevice()
    {
        var deviceA = await Host.NewUserAsync();
        var deviceB = Host.NewClient();
        await deviceB.LoginAsync((await deviceA.GetMeAsync()).PhoneNumber!, "correct-horse-1", "Phone B");
        var friend = await Host.NewUserAsync();
        var chat = await friend.OpenDirectAsync(deviceA.UserId);
        var (connectionA, logA) = await EventLog.ConnectAsync(deviceA);
        var (connectionB, _) = await EventLog.ConnectAsync(deviceB);
        await using (connectionA)
        await using (connectionB)
        {
            var closedA = Closed(connectionA.Connection);
            var closedB = Closed(connectionB.Connection);

            await deviceB.LogoutAsync();

            await closedB.WaitAsync(Within);
            var sent = await friend.SendTextAsync(chat.ChatId, "still on");
            await Expect.Eventually(() => Task.FromResult(logA.Messages.Any(m => m.Seq == sent.Seq)), Within, "A's connection still receives");
            Assert.False(closedA.IsCompleted);
            Assert.Equal(HubConnectionState.Connected, connectionA.Connection.State);
        }
    }

    private LocalGroupRegistry Registry => Host.Services.GetRequiredService<LocalGroupRegistry>();

    /// <summary>A user signed in on device A and, as <paramref name="deviceName"/>, on device B; B's session id.</summary>
    private async Task<(ChatClient A, ChatClient B, string SessionB)> TwoDevicesAsync(string deviceName)
    {
        var deviceA = await Host.NewUserAsync();
        var deviceB = Host.NewClient();
        await deviceB.LoginAsync((await deviceA.GetMeAsync()).PhoneNumber!, "correct-horse-1", deviceName);
        return (deviceA, deviceB, (await deviceA.ListSessionsAsync()).Single(s => s.DeviceName == deviceName).SessionId);
    }

    /// <summary>Waits until the connection is in its session's group (the connected upstream event put it there); the
    /// task that completes when it closes.</summary>
    private async Task<Task> TrackedAsync(HubConnection connection, string sessionId)
    {
        var closed = Closed(connection);
        await Expect.Eventually(
            () => Task.FromResult(Registry.ConnectionsIn(SessionGroups.Of(sessionId)).Contains(connection.ConnectionId)),
            because: "the connected upstream event put the connection in its session's group");
        return closed;
    }

    /// <summary>Connects straight to the SignalR endpoint with a revoked session's client token (no negotiate): the
    /// connection is refused or, once reported to the upstream, closed.</summary>
    private static async Task AssertClosedSoonAsync(Chat.Client.NegotiateResult answer)
    {
        await using var connection = new HubConnectionBuilder()
            .WithUrl(answer.Url, o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(answer.AccessToken);
                o.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        var closed = Closed(connection);
        try
        {
            await connection.StartAsync();
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
            return; // refused outright
        }

        await closed.WaitAsync(Within);
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
    }

    private static Task Closed(HubConnection connection)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }
}
